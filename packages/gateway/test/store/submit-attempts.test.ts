import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, record } from './fixtures.js';

// The sbatch runs of a job (SubmitAttempts) live in the store, so that a restart keeps them.
describe('SqliteJobStore: submit attempts', () => {
  it('are absent until the first run, then kept through update, get, watched and a reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-attempts-')), 'gateway.db');
    const store = new SqliteJobStore(path);
    const [job] = await createMany(store, 1, (i) =>
      record(i, { status: 'PROCESSING_INPUTS', remoteJobId: null }),
    );
    expect((await store.get(job!.id))!).not.toHaveProperty('submitAttempts');
    const attempts = {
      count: 3,
      unanswered: 2,
      firstAt: '2026-11-23T10:00:00.000Z',
      lastAt: '2026-11-23T10:02:00.000Z',
    };
    await store.update(job!.id, { patch: { submitAttempts: attempts } });
    // An update that does not name them keeps them.
    await store.update(job!.id, { patch: { lastMessage: 'x' } });
    expect((await store.get(job!.id))!.submitAttempts).toEqual(attempts);
    expect((await store.watched('cluster'))[0]!.submitAttempts).toEqual(attempts);
    await store.close();
    const reopened = new SqliteJobStore(path);
    expect((await reopened.get(job!.id))!.submitAttempts).toEqual(attempts);
    await reopened.close();
  });

  it('the migration keeps existing jobs, with no attempts, and the submit parameters last', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-attempts-')), 'gateway.db');
    const before = MIGRATIONS.findIndex((sql) => sql.includes('submit_attempts'));
    expect(before).toBeGreaterThan(0);
    // A database as the gateway left it before the attempts were stored.
    const old = new Database(path);
    for (const sql of MIGRATIONS.slice(0, before)) old.exec(sql);
    old.pragma(`user_version = ${before}`);
    old
      .prepare(
        `INSERT INTO jobs (id, owner, name, exec_system_id, status, created, last_updated, tags,
           remote_user, params)
         VALUES ('j1', 'alice', 'n', 'cluster', 'PROCESSING_INPUTS', '2026-11-23T10:00:00.000Z',
           '2026-11-23T10:00:00.000Z', '[]', 'alice', ?)`,
      )
      .run(JSON.stringify({ script: 'echo hi', args: [], env: {} }));
    old.close();
    const store = new SqliteJobStore(path);
    const job = (await store.get('j1'))!;
    expect(job).toMatchObject({ status: 'PROCESSING_INPUTS', script: 'echo hi' });
    expect(job).not.toHaveProperty('submitAttempts');
    await store.close();
    const db = new Database(path, { readonly: true });
    const columns = (db.pragma('table_info(jobs)') as { name: string }[]).map((c) => c.name);
    db.close();
    expect(columns.at(-1)).toBe('params');
    expect(columns).toEqual(
      expect.arrayContaining([
        'submit_attempts',
        'submit_unanswered',
        'submit_first_at',
        'submit_last_at',
      ]),
    );
  });
});
