import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import type { JobStore } from '../store/job-store.js';
import type { SessionStore } from '../store/session-store.js';
import { SqliteJobStore } from '../store/sqlite/sqlite-job-store.js';
import { SqliteSessionStore } from '../store/sqlite/sqlite-session-store.js';
import { SqliteSubscriptionStore } from '../store/sqlite/sqlite-subscription-store.js';
import type { SubscriptionStore } from '../store/subscription-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: JobStore;
    /** Webhook subscriptions and deliveries, in the jobs' database. */
    subscriptionStore: SubscriptionStore;
    /** The web page's sign-ins and sessions, in the jobs' database. */
    sessionStore: SessionStore;
  }
}

/**
 * SQLite's page cache for the gateway's one connection, in KiB (a negative `cache_size`).
 * better-sqlite3 is built with 16 MB (`SQLITE_DEFAULT_CACHE_SIZE=-16000`), which a large store
 * fills within a few list pages and status counts and then keeps resident for good; the pages
 * are in the OS's file cache anyway, so 4 MB costs a read syscall where 16 MB had a hit
 * (bench/memory.ts). An in-memory database keeps all of its pages whatever this says.
 */
const SQLITE_CACHE_KIB = 4096;

/**
 * The store: SQLite (one file, the default) or PostgreSQL (`store.postgres`). The webhook and
 * session stores live in the same database, on the same connection (SQLite) or pool (PostgreSQL),
 * so that their writes are ordered with the jobs' events. Closed last, after everything that
 * writes to it.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const pgConfig = opts.config.store.postgres;
    if (pgConfig) {
      // Loaded only with PostgreSQL: the embedded store's gateway never loads `pg` (memory).
      const [{ PgJobStore }, { PgSessionStore }, { PgSubscriptionStore }] = await Promise.all([
        import('../store/postgres/pg-job-store.js'),
        import('../store/postgres/pg-session-store.js'),
        import('../store/postgres/pg-subscription-store.js'),
      ]);
      const store = await PgJobStore.open({
        connectionString: pgConfig.url,
        schema: pgConfig.schema,
        maxConnections: pgConfig.maxConnections,
        statementTimeoutMs: pgConfig.statementTimeoutMs,
        onError: (err) => fastify.log.warn({ err: err.message }, 'PostgreSQL connection error'),
      });
      fastify.decorate('store', store);
      fastify.decorate('subscriptionStore', new PgSubscriptionStore(store.pool));
      fastify.decorate('sessionStore', new PgSessionStore(store.pool));
      fastify.addHook('onClose', () => store.close());
      return;
    }
    const store = new SqliteJobStore(opts.config.store.sqlitePath);
    store.database.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
    fastify.decorate('store', store);
    fastify.decorate('subscriptionStore', new SqliteSubscriptionStore(store.database));
    fastify.decorate('sessionStore', new SqliteSessionStore(store.database));
    fastify.addHook('onClose', () => store.close());
  },
  { name: 'store' },
);
