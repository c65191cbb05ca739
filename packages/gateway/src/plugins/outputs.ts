import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import { EventStreams } from '../jobs/event-stream.js';
import { JobWriter } from '../jobs/job-writer.js';
import { JobOutputs } from '../jobs/outputs/job-outputs.js';
import { LogCollector } from '../jobs/outputs/log-collector.js';
import { LogReaders } from '../jobs/outputs/log-readers.js';

declare module 'fastify' {
  interface FastifyInstance {
    outputs: JobOutputs;
    /** Slots of the open log streams (`/logs`): only their per-user bound is used. */
    logStreams: EventStreams;
  }
}

/**
 * Jobs' files: listing and downloads, live logs, and the copies of logs the gateway keeps. The
 * collector stops (its reads finished) before the store closes: the store's onClose runs later.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const readers = new LogReaders(fastify.store, fastify.jobs.events, fastify.log);
    const outputs = new JobOutputs(
      fastify.jobs,
      fastify.systems,
      fastify.store,
      opts.config.outputs,
      readers,
    );
    const collector = new LogCollector(
      fastify.store,
      fastify.systems,
      fastify.jobs.events,
      new JobWriter(fastify.store, fastify.jobs.events),
      opts.config.outputs,
      fastify.log,
      (systemId) => fastify.jobs.pollsSystem(systemId),
    );
    fastify.decorate('outputs', outputs);
    fastify.decorate(
      'logStreams',
      new EventStreams({ maxStreamsPerUser: opts.config.outputs.maxLogStreamsPerUser }),
    );
    fastify.addHook('onReady', async () => collector.start());
    fastify.addHook('preClose', async () => {
      readers.closeAll();
      await collector.close();
    });
  },
  { name: 'outputs', dependencies: ['jobs', 'systems', 'store'] },
);
