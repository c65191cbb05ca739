import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import type { JobStore } from '../store/job-store.js';
import { SqliteJobStore } from '../store/sqlite/sqlite-job-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: JobStore;
  }
}

export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const store = new SqliteJobStore(opts.config.store.sqlitePath);
    fastify.decorate('store', store);
    fastify.addHook('onClose', () => store.close());
  },
  { name: 'store' },
);
