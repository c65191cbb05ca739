import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import type { Coordination } from '../coordination/coordination.js';
import { ProcessCoordination } from '../coordination/process-coordination.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** What this gateway agrees on with its replicas (docs/replicas.md). */
    coordination: Coordination;
  }
}

/** A name no other process has: the host, the pid, and a random tag (a pid is reused). */
const defaultReplicaId = () =>
  `${hostname()
    .replace(/[^A-Za-z0-9_.:-]/g, '-')
    .slice(0, 40)}-${process.pid}-${randomBytes(3).toString('hex')}`;

/**
 * In one process on SQLite, in the database on PostgreSQL. Started before the monitors (so the
 * first poll waits for a lease, not for a tick), closed after them and before the store: a
 * replica that stops gives its leases up and others take over at once.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const replicaId = opts.config.replicas.id ?? defaultReplicaId();
    const pg = opts.config.store.postgres;
    let coordination: Coordination = new ProcessCoordination(replicaId);
    if (pg) {
      // Loaded only with PostgreSQL: the embedded store's gateway never loads `pg` (memory).
      const { PgJobStore } = await import('../store/postgres/pg-job-store.js');
      const { PgCoordination } = await import('../coordination/postgres/pg-coordination.js');
      if (fastify.store instanceof PgJobStore) {
        coordination = new PgCoordination({
          pool: fastify.store.pool,
          connectionString: pg.url,
          schema: pg.schema,
          replicaId,
          leaseTtlMs: opts.config.replicas.leaseTtlMs,
          log: fastify.log.child({ component: 'coordination', replica: replicaId }),
        });
      }
    }
    fastify.decorate('coordination', coordination);
    fastify.addHook('onReady', () => coordination.start());
    fastify.addHook('onClose', () => coordination.close());
  },
  { name: 'coordination', dependencies: ['store'] },
);
