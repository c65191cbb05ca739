import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobStatus } from '@hpcgate/contract';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, record } from './fixtures.js';

describe('SqliteJobStore.countActive', () => {
  it('counts the owner’s jobs that have not ended, with an index', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-store-')), 'gateway.db');
    const store = new SqliteJobStore(path);
    const statuses: JobStatus[] = [
      'PROCESSING_INPUTS',
      'PENDING',
      'RUNNING',
      'FINISHED',
      'FAILED',
      'CANCELLED',
    ];
    await createMany(store, 60, (i) => record(i, { status: statuses[i % 6]! }));
    await createMany(store, 7, (i) => record(100 + i, { owner: 'bob', status: 'PENDING' }));
    expect(await store.countActive('alice')).toBe(30);
    expect(await store.countActive('bob')).toBe(7);
    expect(await store.countActive('carol')).toBe(0);
    // A job ended by terminate (CANCELLED, Slurm not yet done) no longer counts.
    const [running] = await createMany(store, 1, (i) => record(200 + i, { owner: 'dave' }));
    expect(await store.countActive('dave')).toBe(1);
    await store.update(running!.id, {
      steps: [{ status: 'CANCELLED', description: 'terminated' }],
    });
    expect(await store.countActive('dave')).toBe(0);

    const db = new Database(path, { readonly: true });
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT count(*) FROM jobs
         WHERE owner = ? AND status IN (SELECT value FROM json_each(?))`,
      )
      .all('alice', '["RUNNING"]') as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING COVERING INDEX jobs_owner_status/);
    db.close();
    await store.close();
  });
});
