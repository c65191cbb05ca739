import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SUBMIT_PARAM_KEYS } from '../../src/store/job-store.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { record } from './fixtures.js';

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
