import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../../src/store/job-store.js';
import { MIGRATIONS } from '../../../src/store/postgres/migrations.js';
import { PgJobStore } from '../../../src/store/postgres/pg-job-store.js';
import { record } from '../fixtures.js';
import { describeJobStore } from './job-store-contract.js';
import { pgSchemas } from './pg-schemas.js';

// The store contract on a real PostgreSQL. Never skipped: without a server this file fails.
const { url, freshSchema, admin } = pgSchemas();
const open = (schema: string, maxConnections = 10) =>
  PgJobStore.open({ connectionString: url, schema, maxConnections });

describeJobStore('PostgreSQL', async () => {
  const schema = freshSchema();
  const store = await open(schema);
  return {
    store,
    another: () => open(schema),
    fill: (jobs) =>
      store.createBatch(jobs, { event: 'JOB_CREATED', actor: 'alice', description: 'created' }),
  };
});

describe('PgJobStore: migrations, pool, indexes', () => {
  it('two gateways starting at once on an empty schema migrate once', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([open(schema), open(schema), open(schema)]);
    try {
      const versions = await admin(
        async (c) =>
          (await c.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows,
      );
      expect(versions.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
      // All three work on the one schema.
      const job = record(1);
      await stores[0]!.create(job, { event: 'JOB_CREATED', actor: 'alice', description: 'c' });
      expect((await stores[2]!.get(job.id))?.id).toBe(job.id);
    } finally {
      for (const s of stores) await s.close();
    }
    // A reopen finds nothing to do.
    const again = await open(schema);
    await again.close();
  });

  it('refuses a database whose schema is newer than it knows', async () => {
    const schema = freshSchema();
    await (await open(schema)).close();
    await admin((c) =>
      c.query(`INSERT INTO ${schema}.schema_migrations (version) VALUES ($1)`, [
        MIGRATIONS.length + 1,
      ]),
    );
    await expect(open(schema)).rejects.toThrow(/newer than this gateway/);
  });

  it('refuses a cursor whose time is not a time (not one it handed out)', async () => {
    const store = await open(freshSchema());
    try {
      for (const cursor of [
        Buffer.from('["not a time", "x"]').toString('base64url'),
        Buffer.from('["2026-11-23T10:00:00.000Z", "a\u0000b"]').toString('base64url'),
      ]) {
        await expect(store.list('alice', { limit: 10, cursor })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
      }
    } finally {
      await store.close();
    }
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(
      PgJobStore.open({ connectionString: url, schema: 'x; DROP TABLE jobs' }),
    ).rejects.toThrow(/schema name/);
  });

  it('keeps its pool within the bound, and sets the timeouts on every connection', async () => {
    const store = await open(freshSchema(), 2);
    try {
      const jobs = Array.from({ length: 20 }, (_, i) => record(i));
      await Promise.all(
        jobs.map((j) => store.create(j, { event: 'JOB_CREATED', actor: 'a', description: 'c' })),
      );
      expect(store.poolState().total).toBeLessThanOrEqual(2);
      expect(store.poolState().max).toBe(2);
      const settings = await (store as unknown as { pool: pg.Pool }).pool.query<{
        st: string;
        it: string;
        tz: string;
      }>(
        `SELECT current_setting('statement_timeout') AS st,
                current_setting('idle_in_transaction_session_timeout') AS it,
                current_setting('TimeZone') AS tz`,
      );
      expect(settings.rows[0]).toEqual({ st: '10s', it: '30s', tz: 'UTC' });
    } finally {
      await store.close();
    }
  });

  it('reads the holder through the partial index, names through the name index, pages through the list index', async () => {
    const schema = freshSchema();
    // Enough jobs of several owners for the planner to choose by cost.
    const store = await open(schema);
    await store.createBatch(
      Array.from({ length: 6000 }, (_, i) =>
        record(i, { owner: ['alice', 'bob', 'carol'][i % 3]!, name: `prefix-${i}` }),
      ),
      { event: 'JOB_CREATED', actor: null, description: 'created' },
    );
    await store.close();
    const plans = await admin(async (c) => {
      await c.query(`SET search_path = ${schema}`);
      await c.query('ANALYZE jobs');
      const plan = async (sql: string, values: unknown[]) =>
        (await c.query(`EXPLAIN ${sql}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
      return {
        holder: await plan(
          `SELECT * FROM jobs WHERE owner = $1 AND exclusive_key = $2
           AND status IN ('PROCESSING_INPUTS', 'PENDING', 'RUNNING')`,
          ['alice', 'k'],
        ),
        name: await plan('SELECT id FROM jobs WHERE owner = $1 AND name LIKE $2', [
          'alice',
          'prefix-12%',
        ]),
        page: await plan(
          `SELECT id FROM jobs WHERE owner = $1 AND (created, id) < ($2::timestamptz, $3)
           ORDER BY created DESC, id DESC LIMIT 101`,
          ['alice', '2026-11-23T10:00:00.000Z', 'x'],
        ),
      };
    });
    expect(plans.holder).toMatch(/jobs_exclusive_key/);
    expect(plans.name).toMatch(/jobs_owner_name/);
    expect(plans.name).toMatch(/name >= 'prefix-12'/);
    expect(plans.page).toMatch(/Index Cond: .*created, id\) < /);
  });
});
