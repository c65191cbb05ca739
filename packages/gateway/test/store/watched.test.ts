import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SUBMIT_PARAM_KEYS } from '../../src/store/job-store.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, record } from './fixtures.js';

describe('SqliteJobStore.watched', () => {
  let store: SqliteJobStore;
  beforeEach(() => {
    store = new SqliteJobStore(':memory:');
  });
  afterEach(() => store.close());

  it('gives the system’s jobs not confirmed done, oldest first, without their submit parameters', async () => {
    const jobs = await createMany(store, 5, (i) =>
      record(i, {
        script: `#!/bin/sh\n${'x'.repeat(200_000)}`,
        command: null,
        env: { SECRET: 's' },
        remoteUser: i === 1 ? null : `u${i}`,
        tags: [`t${i}`],
        stopRequest:
          i === 2
            ? {
                mode: 'cancel',
                requestedBy: 'alice',
                requestedAt: '2026-11-23T10:00:09.000Z',
                outcome: 'REQUESTED',
                signalledAt: null,
                message: null,
              }
            : null,
        execSystemId: i === 4 ? 'elsewhere' : 'cluster',
      }),
    );
    await store.update(jobs[3]!.id, { patch: { remoteDone: true } });
    const watched = await store.watched('cluster');
    expect(watched.map((j) => j.id)).toEqual([jobs[0]!.id, jobs[1]!.id, jobs[2]!.id]);
    for (const w of watched) {
      for (const key of SUBMIT_PARAM_KEYS) expect(w).not.toHaveProperty(key);
      const { remoteDone: _d, ...full } = jobs.find((j) => j.id === w.id)!;
      const slim = Object.fromEntries(
        Object.entries(full).filter(([k]) => !(SUBMIT_PARAM_KEYS as readonly string[]).includes(k)),
      );
      expect(w).toEqual({ ...slim, remoteDone: false });
    }
    expect(watched.map((j) => j.remoteUser)).toEqual(['u0', null, 'u2']);
    expect(watched[2]!.stopRequest?.outcome).toBe('REQUESTED');
    // The whole record is still there for whoever needs it.
    expect((await store.get(jobs[0]!.id))!.script).toHaveLength(200_010);
  });

  it('keeps remoteUser when it is patched', async () => {
    const [job] = await createMany(store, 1, (i) => record(i, { remoteUser: null }));
    await store.update(job!.id, { patch: { remoteUser: 'carol' } });
    expect((await store.watched('cluster'))[0]!.remoteUser).toBe('carol');
    expect((await store.get(job!.id))!.remoteUser).toBe('carol');
  });
});

describe('the migration that moves the submit parameters last', () => {
  it('keeps every job, its account and its history', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-store-')), 'gateway.db');
    // A database as the previous gateway left it.
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    for (const [i, sql] of MIGRATIONS.slice(0, 2).entries()) {
      old.exec(sql);
      old.pragma(`user_version = ${i + 1}`);
    }
    const job = record(0, {
      remoteUser: 'bob',
      script: '#!/bin/sh\necho',
      command: null,
      tags: ['x'],
    });
    const { remoteDone: _d, ...rest } = job;
    const params = Object.fromEntries(
      [...SUBMIT_PARAM_KEYS, 'remoteUser'].map((k) => [k, rest[k as keyof typeof rest]]),
    );
    old
      .prepare(
        `INSERT INTO jobs (id, owner, name, exec_system_id, status, condition, last_message,
           remote_job_id, remote_state, remote_reason, remote_done, exit_code, exit_signal, created,
           remote_submitted, remote_started, ended, last_updated, stop_request, params, tags)
         VALUES (?, ?, ?, ?, ?, NULL, NULL, ?, ?, NULL, 0, NULL, NULL, ?, ?, ?, NULL, ?, NULL, ?, ?)`,
      )
      .run(
        job.id,
        job.owner,
        job.name,
        job.execSystemId,
        job.status,
        job.remoteJobId,
        job.remoteState,
        job.created,
        job.remoteSubmitted,
        job.remoteStarted,
        job.lastUpdated,
        JSON.stringify(params),
        JSON.stringify(job.tags),
      );
    old
      .prepare(
        `INSERT INTO job_events (job_id, seq, at, event, status, actor, description)
         VALUES (?, 1, ?, 'JOB_CREATED', 'RUNNING', 'alice', 'created')`,
      )
      .run(job.id, job.created);
    old.close();

    const store = new SqliteJobStore(path);
    try {
      expect(await store.get(job.id)).toEqual(job);
      expect((await store.watched('cluster'))[0]!.remoteUser).toBe('bob');
      expect(await store.history(job.id)).toHaveLength(1);
      const columns = (
        new Database(path, { readonly: true }).prepare('PRAGMA table_info(jobs)').all() as {
          name: string;
        }[]
      ).map((c) => c.name);
      expect(columns.at(-1)).toBe('params');
    } finally {
      await store.close();
    }
  });
});
