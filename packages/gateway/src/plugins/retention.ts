import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  config: GatewayConfig;
  /** The first pass, this long after the gateway is ready (default 1 min: out of start-up's way). */
  firstRunMs?: number;
  /** Then one pass every (default 1 h). */
  everyMs?: number;
  /** Jobs deleted per transaction (default 1,000): a first pass on a big table holds no long lock. */
  batchSize?: number;
}

/**
 * Retention (`store.retentionDays`): jobs that ended more than that many days ago are deleted
 * with all that is kept of them, in batches of one transaction each, until none is left; a pass
 * an hour. Several gateways on one PostgreSQL database may run it at once: each batch skips the
 * jobs another holds (JobStore.deleteEndedBefore), and a delete done twice is done once.
 */
export default fp(
  async (fastify, opts: RetentionOptions) => {
    const days = opts.config.store.retentionDays;
    if (days === undefined) return;
    const batchSize = opts.batchSize ?? 1000;
    const log = fastify.log.child({ component: 'retention' });
    let stopped = false;
    let running: Promise<void> | undefined;

    const pass = async () => {
      const before = new Date(Date.now() - days * DAY_MS).toISOString();
      const started = performance.now();
      let deleted = 0;
      try {
        while (!stopped) {
          const n = await fastify.store.deleteEndedBefore(before, batchSize);
          deleted += n;
          if (n < batchSize) break;
          // Between batches, the requests and the monitor's writes go first (SQLite has one writer).
          await new Promise((resolve) => setImmediate(resolve));
        }
      } catch (err) {
        log.warn(
          { err: (err as Error).message, deleted, before },
          'retention pass failed; the next pass goes on',
        );
        return;
      }
      const ms = Math.round(performance.now() - started);
      if (deleted > 0) {
        log.info(
          { deleted, before, ms },
          `retention: deleted ${deleted} jobs that ended before ${before}`,
        );
      } else {
        log.debug({ before, ms }, 'retention: no job to delete');
      }
    };
    // A pass still running when the next is due (a first pass on a big table) is not doubled.
    const run = () => {
      if (running || stopped) return;
      running = pass().finally(() => {
        running = undefined;
      });
    };

    let first: NodeJS.Timeout | undefined;
    let every: NodeJS.Timeout | undefined;
    fastify.addHook('onReady', async () => {
      first = setTimeout(run, opts.firstRunMs ?? 60_000);
      every = setInterval(run, opts.everyMs ?? 60 * 60 * 1000);
      first.unref();
      every.unref();
    });
    // Before the store closes (it was registered first, so it closes after): the batch in
    // flight finishes, no other starts.
    fastify.addHook('onClose', async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    });
  },
  { name: 'retention', dependencies: ['store'] },
);
