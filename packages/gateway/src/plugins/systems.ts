import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import type { ExecutionSystem } from '../jobs/execution-system.js';
import { SlurmScheduler } from '../scheduler/slurm/slurm-scheduler.js';

export interface SystemReachability {
  reachable: boolean;
  latencyMs: number | null;
  error: string | null;
  checkedAt: string;
}

const PROBE_REUSE_MS = 1_000;

declare module 'fastify' {
  interface FastifyInstance {
    systems: Map<string, ExecutionSystem>;
    probeSystems(): Promise<Record<string, SystemReachability>>;
  }
}

/** The execution systems, each behind its scheduler (one pooled SSH connection each). */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const systems = new Map<string, ExecutionSystem>(
      opts.config.systems.map((config) => [
        config.id,
        {
          config,
          scheduler: new SlurmScheduler(config, (message) => fastify.log.warn(message)),
        },
      ]),
    );
    fastify.decorate('systems', systems);
    // Probes every system at once (one slow system does not delay the others' answers), at most
    // once a second however many health checks come: probes share the job commands' channels.
    let recent: { at: number; probes: Promise<Record<string, SystemReachability>> } | null = null;
    fastify.decorate('probeSystems', () => {
      if (!recent || Date.now() - recent.at > PROBE_REUSE_MS) {
        recent = { at: Date.now(), probes: probeAll() };
      }
      return recent.probes;
    });
    const probeAll = async () => {
      const entries = await Promise.all(
        [...systems].map(async ([id, { scheduler }]) => {
          const checkedAt = new Date().toISOString();
          try {
            const latency = await scheduler.ping();
            const latencyMs = Math.round(latency * 10) / 10;
            return [id, { reachable: true, latencyMs, error: null, checkedAt }] as const;
          } catch (err) {
            const error = (err as Error).message;
            return [id, { reachable: false, latencyMs: null, error, checkedAt }] as const;
          }
        }),
      );
      return Object.fromEntries(entries);
    };
    fastify.addHook('onClose', async () => {
      for (const { scheduler } of systems.values()) scheduler.close();
    });
  },
  { name: 'systems' },
);
