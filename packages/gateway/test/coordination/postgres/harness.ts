import { PgJobStore } from '../../../src/store/postgres/pg-job-store.js';
import { pgSchemas } from '../../store/contract/pg-schemas.js';

/** Stores on one fresh schema (each its own pool: a replica's), all closed by `closeAll`. */
export function pgReplicas() {
  const { url, freshSchema } = pgSchemas();
  const opened: PgJobStore[] = [];
  return {
    url,
    freshSchema,
    async store(schema: string): Promise<PgJobStore> {
      const store = await PgJobStore.open({ connectionString: url, schema, maxConnections: 4 });
      opened.push(store);
      return store;
    },
    async closeAll(): Promise<void> {
      for (const s of opened.splice(0)) await s.close().catch(() => {});
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
