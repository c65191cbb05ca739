import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Jobs through the HTTP API (app.inject) on the real sandbox cluster.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const terminal = hasStatus('FINISHED', 'FAILED', 'CANCELLED');

describe('submit → PENDING/RUNNING → an end, as Slurm reports it', () => {
  it('a job that succeeds is FINISHED with exit code 0, every step in history', async () => {
    const submitted = await h.submit('alice', {
      name: 'ok-job',
      script: '#!/bin/bash\nsleep 1\necho hello\n',
      tags: ['lifecycle'],
    });
    expect(submitted).toMatchObject({
      status: 'PROCESSING_INPUTS',
      owner: 'alice',
      name: 'ok-job',
      remoteJobId: null,
    });
    const job = await h.waitFor('alice', submitted.id, terminal);
    expect(job).toMatchObject({
      status: 'FINISHED',
      condition: 'NORMAL_COMPLETION',
      exitCode: 0,
      remoteState: 'COMPLETED',
    });
    expect(job.remoteJobId).toMatch(/^\d+$/);
    expect(job.remoteSubmitted).not.toBeNull();
    expect(job.remoteStarted).not.toBeNull();
    expect(job.ended).not.toBeNull();

    const history = await h.call('alice', 'GET', `/v3/jobs/${job.id}/history`);
    expect(history.status).toBe(200);
    const statuses = history.body.events
      .filter((e: { event: string }) => e.event === 'STATUS_CHANGED' || e.event === 'JOB_CREATED')
      .map((e: { status: string }) => e.status);
    expect(statuses).toEqual(['PROCESSING_INPUTS', 'PENDING', 'RUNNING', 'FINISHED']);
    const seqs = history.body.events.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    const status = await h.call('alice', 'GET', `/v3/jobs/${job.id}/status`);
    expect(status.body).toEqual({ status: 'FINISHED', condition: 'NORMAL_COMPLETION' });
  });

  it('a failing script is FAILED with its exit code', async () => {
    const submitted = await h.submit('alice', { name: 'bad-job', script: '#!/bin/bash\nexit 3\n' });
    const job = await h.waitFor('alice', submitted.id, terminal);
    expect(job).toMatchObject({
      status: 'FAILED',
      condition: 'JOB_EXIT_NONZERO',
      exitCode: 3,
      remoteState: 'FAILED',
    });
  });

  it('a command line with arguments runs, the arguments passed as they are', async () => {
    const marker = `/tmp/hpcgate-args-${Date.now()}`;
    const submitted = await h.submit('alice', {
      name: 'cmd-job',
      command: `printf '%s\\n' "$@" > ${marker}`,
      args: ['one two', 'three'],
    });
    const job = await h.waitFor('alice', submitted.id, terminal);
    expect(job.status).toBe('FINISHED');
    const r = await h.cluster.exec(`cat ${marker} && rm -f ${marker}`);
    expect(r.stdout).toBe('one two\nthree\n');
  });

  it('#SBATCH lines of the script are honoured (a held job stays PENDING)', async () => {
    const submitted = await h.submit('alice', {
      name: 'held-job',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    // PENDING comes with sbatch's answer; Slurm's reason with the first poll after it.
    const job = await h.waitFor(
      'alice',
      submitted.id,
      (j) => j.status === 'PENDING' && j.remoteReason !== null,
    );
    expect(job.remoteReason).toBe('JobHeldUser');
    await h.as('alice').exec(`scancel ${job.remoteJobId}`);
    const ended = await h.waitFor('alice', job.id, terminal);
    // Cancelled behind the gateway's back: Slurm's cancel, not the user's.
    expect(ended).toMatchObject({ status: 'CANCELLED', condition: 'SCHEDULER_CANCELLED' });
  });
});

describe('reading jobs', () => {
  it('another user gets 404 for a job, its status and its history', async () => {
    const job = await h.submit('alice', { name: 'private', command: 'true' });
    for (const path of ['', '/status', '/history']) {
      const res = await h.call('bob', 'GET', `/v3/jobs/${job.id}${path}`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('JOB_NOT_FOUND');
    }
    const cancel = await h.call('bob', 'POST', `/v3/jobs/${job.id}/cancel`);
    expect(cancel.status).toBe(404);
  });

  it('an unknown job id is 404, a malformed one 400', async () => {
    const unknown = await h.call('alice', 'GET', '/v3/jobs/6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f');
    expect(unknown.status).toBe(404);
    const bad = await h.call('alice', 'GET', '/v3/jobs/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(bad.body.error.details.field).toBe('params.jobId');
  });

  it('lists only the caller’s jobs, newest first, filtered and paginated', async () => {
    const user = `lister-${Date.now()}`;
    const ids: string[] = [];
    for (const name of ['exp-a', 'exp-b', 'other-c']) {
      ids.push((await h.submit(user, { name, command: 'true', tags: [name.slice(0, 3)] })).id);
    }
    const all = await h.call(user, 'GET', '/v3/jobs/list');
    expect(all.body.jobs.map((j: { id: string }) => j.id)).toEqual([...ids].reverse());

    const wild = await h.call(user, 'GET', '/v3/jobs/list?name=exp-*');
    expect(wild.body.jobs.map((j: { name: string }) => j.name)).toEqual(['exp-b', 'exp-a']);

    const tagged = await h.call(user, 'GET', '/v3/jobs/list?tags=oth');
    expect(tagged.body.jobs.map((j: { name: string }) => j.name)).toEqual(['other-c']);

    const page1 = await h.call(user, 'GET', '/v3/jobs/list?limit=2');
    expect(page1.body.jobs).toHaveLength(2);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await h.call(
      user,
      'GET',
      `/v3/jobs/list?limit=2&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.jobs.map((j: { id: string }) => j.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    const none = await h.call('nobody', 'GET', '/v3/jobs/list');
    expect(none.body).toEqual({ jobs: [], nextCursor: null });

    const badStatus = await h.call(user, 'GET', '/v3/jobs/list?status=DONE');
    expect(badStatus.status).toBe(400);
    const badCursor = await h.call(user, 'GET', '/v3/jobs/list?cursor=bogus');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.code).toBe('INVALID_CURSOR');

    const finished = await h.call(
      user,
      'GET',
      '/v3/jobs/list?status=PROCESSING_INPUTS,PENDING,RUNNING,FINISHED',
    );
    expect(finished.status).toBe(200);
  });
});

describe('the API document', () => {
  it('serves OpenAPI with the job routes', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v3/jobs/submit', '/v3/jobs/list', '/v3/jobs/{jobId}/cancel']),
    );
  });
});
