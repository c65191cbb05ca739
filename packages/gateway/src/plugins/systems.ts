import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { SlurmScheduler } from '../scheduler/slurm/slurm-scheduler.js';

export interface SystemReachability {
  reachable: boolean;
  latencyMs: number | null;
  error: string | null;
  checkedAt: string;
}

/** The execution systems, each behind its scheduler. */
export class ExecutionSystems {
  private readonly schedulers = new Map<string, Scheduler>();

  constructor(systems: GatewayConfig['systems']) {
    for (const s of systems) this.schedulers.set(s.id, new SlurmScheduler(s));
  }

  ids(): string[] {
    return [...this.schedulers.keys()];
  }

  get(id: string): Scheduler | undefined {
    return this.schedulers.get(id);
  }

  /** Probes every system at once; one slow system does not delay the others' answers. */
  async probeAll(): Promise<Record<string, SystemReachability>> {
    const entries = await Promise.all(
      [...this.schedulers].map(async ([id, scheduler]) => {
        let probe: SystemReachability;
        try {
          const latency = await scheduler.ping();
          probe = {
            reachable: true,
            latencyMs: Math.round(latency * 10) / 10,
            error: null,
            checkedAt: new Date().toISOString(),
          };
        } catch (err) {
          probe = {
            reachable: false,
            latencyMs: null,
            error: (err as Error).message,
            checkedAt: new Date().toISOString(),
          };
        }
        return [id, probe] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  close(): void {
    for (const s of this.schedulers.values()) s.close();
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    systems: ExecutionSystems;
  }
}

export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const systems = new ExecutionSystems(opts.config.systems);
    fastify.decorate('systems', systems);
    fastify.addHook('onClose', async () => systems.close());
  },
  { name: 'systems' },
);
