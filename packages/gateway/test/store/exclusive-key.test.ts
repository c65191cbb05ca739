import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { JobAlreadyRunningError } from '../../src/domain/singleton.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { record } from './fixtures.js';

// The singleton key in the store: the partial unique index on (owner, exclusive_key) among
// unfinished jobs is what makes concurrent submits safe; the service's check before it is not.
const created = { event: 'JOB_CREATED' as const, actor: 'alice', description: 'created' };
const opened: SqliteJobStore[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});
const storeAt = (path = ':memory:') => {
  const store = new SqliteJobStore(path);
  opened.push(store);
  return store;
};

describe('SqliteJobStore: exclusive keys', () => {
  it('two stores on one file (two gateways) that both checked first: exactly one insert wins', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-store-')), 'gateway.db');
    const a = storeAt(path);
    const b = storeAt(path);
    const jobs = Array.from({ length: 10 }, (_, i) =>
      record(i, { status: 'PROCESSING_INPUTS', exclusiveKey: 'race' }),
    );
    // Every check before the insert passes: none holds the key yet.
    for (const s of [a, b]) expect(await s.exclusiveHolder('alice', 'race')).toBeUndefined();
    const outcomes = await Promise.allSettled(
      jobs.map((job, i) => (i % 2 ? a : b).create(job, created)),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    const winner = jobs[outcomes.findIndex((o) => o.status === 'fulfilled')]!;
    for (const err of lost) {
      expect(err).toBeInstanceOf(JobAlreadyRunningError);
      expect((err as JobAlreadyRunningError).holder.jobId).toBe(winner.id);
    }
    expect((await a.list('alice', { limit: 100 })).jobs.map((j) => j.id)).toEqual([winner.id]);
  });

  it('reads the holder through the partial index', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-store-')), 'gateway.db');
    storeAt(path);
    const db = new Database(path, { readonly: true });
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM jobs WHERE owner = ? AND exclusive_key = ?
         AND status IN ('PROCESSING_INPUTS', 'PENDING', 'RUNNING')`,
      )
      .all('alice', 'k') as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING INDEX jobs_exclusive_key/);
  });
});
