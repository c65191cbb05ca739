import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../src/store/job-store.js';
import { PgJobStore } from '../../../src/store/postgres/pg-job-store.js';
import { PgSubscriptionStore } from '../../../src/store/postgres/pg-subscription-store.js';
import { pgSchemas } from './pg-schemas.js';
import { describeSubscriptionStore } from './subscription-store-contract.js';

// The webhook store contract on a real PostgreSQL, a schema per test, each dropped at the end.
// Never skipped: without a server this file fails.
const { url, freshSchema } = pgSchemas();

describeSubscriptionStore('PostgreSQL', async () => {
  const schema = freshSchema();
  const opened: PgJobStore[] = [];
  const open = async () => {
    const jobs = await PgJobStore.open({ connectionString: url, schema });
    opened.push(jobs);
    return { jobs, subs: new PgSubscriptionStore(jobs.pool) };
  };
  return {
    ...(await open()),
    another: open,
    close: async () => {
      for (const j of opened.splice(0)) await j.close();
    },
  };
});

describe('PgSubscriptionStore: cursors', () => {
  it('refuses a list cursor whose time is not a time, or whose id holds a NUL', async () => {
    const jobs = await PgJobStore.open({ connectionString: url, schema: freshSchema() });
    try {
      const subs = new PgSubscriptionStore(jobs.pool);
      for (const cursor of [
        Buffer.from('["not a time", "x"]').toString('base64url'),
        Buffer.from('["2026-11-23T10:00:00.000Z", "a\\u0000b"]').toString('base64url'),
      ]) {
        await expect(subs.list('alice', 10, cursor)).rejects.toBeInstanceOf(InvalidCursorError);
      }
    } finally {
      await jobs.close();
    }
  });
});
