import { afterEach } from 'vitest';
import { LeaseKeeper } from '../../../src/coordination/postgres/lease-keeper.js';
import { PgJobStore } from '../../../src/store/postgres/pg-job-store.js';
import { silentLog } from '../../fakes/fake-jobs.js';
import { pgSchemas } from '../../store/contract/pg-schemas.js';

/** The lease time of these tests' replicas: short, so that takeovers happen within a test. */
export const TTL = 1_000;

/**
 * Replicas on fresh schemas of a real PostgreSQL: each a store (its own pool, as a process has)
 * and a lease keeper (its heartbeat, which its claims count by), all closed after each test.
 */
export function pgReplicas() {
  const { url, freshSchema } = pgSchemas();
  const stores: PgJobStore[] = [];
  const keepers: LeaseKeeper[] = [];
  afterEach(async () => {
    for (const k of keepers.splice(0)) await k.close().catch(() => {});
    for (const s of stores.splice(0)) await s.close().catch(() => {});
  });
  const store = async (schema: string): Promise<PgJobStore> => {
    const s = await PgJobStore.open({ connectionString: url, schema, maxConnections: 4 });
    stores.push(s);
    return s;
  };
  return {
    url,
    freshSchema,
    store,
    /** A replica named `id` on `schema`, beating; `leases` are asked for before its first tick. */
    async replica(schema: string, id: string, leases: string[] = []) {
      const s = await store(schema);
      const keeper = new LeaseKeeper(s.pool, { replicaId: id, ttlMs: TTL }, silentLog);
      keepers.push(keeper);
      const held = leases.map((name) => keeper.lease(name));
      await keeper.start();
      return { store: s, keeper, leases: held };
    },
  };
}

export const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
