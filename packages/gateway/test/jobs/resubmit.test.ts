import type { Job } from '@hpcgate/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// POST /v3/jobs/{jobId}/resubmit on the real sandbox cluster.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  // Resubmitted jobs are made through h.call, not h.submit: abandon whatever still runs.
  for (const user of ['alice', 'bob']) {
    await h?.call(user, 'POST', '/v3/jobs/stop', {
      selector: { status: ['PROCESSING_INPUTS', 'PENDING', 'RUNNING'] },
    });
  }
  await h?.close();
});

const resubmit = (user: string, jobId: string, body?: unknown) =>
  h.call(user, 'POST', `/v3/jobs/${jobId}/resubmit`, body);

/** Slurm's time limit for a job, as squeue prints it (`%l`: `7:00` is seven minutes). */
async function timeLimit(remoteJobId: string): Promise<string> {
  return (await h.cluster.exec(`squeue -h -j ${Number(remoteJobId)} -o %l`)).stdout.trim();
}

describe('resubmit', () => {
  it('a cancelled job resubmitted with a new time limit runs as a new job, linked both ways', async () => {
    const old = await h.submit('alice', {
      name: 'resub',
      command: 'echo "$1"; sleep 300',
      args: ['first'],
      maxMinutes: 5,
      tags: ['nightly'],
    });
    const running = await h.waitFor('alice', old.id, hasStatus('RUNNING'));
    expect(await timeLimit(running.remoteJobId!)).toBe('5:00');
    const cancelled = await h.call('alice', 'POST', `/v3/jobs/${old.id}/cancel`, { wait: 60 });
    expect(cancelled.body.status).toBe('CANCELLED');

    const res = await resubmit('alice', old.id, { maxMinutes: 7 });
    expect(res.status).toBe(201);
    const next = res.body as Job;
    expect(next.id).not.toBe(old.id);
    expect(next).toMatchObject({
      name: 'resub',
      owner: 'alice',
      status: 'PROCESSING_INPUTS',
      command: 'echo "$1"; sleep 300',
      args: ['first'],
      tags: ['nightly'],
      maxMinutes: 7,
      resubmittedFrom: old.id,
      resubmittedAs: null,
    });
    const started = await h.waitFor('alice', next.id, hasStatus('RUNNING'));
    expect(started.remoteJobId).not.toBe(running.remoteJobId);
    expect(await h.squeueState(started.remoteJobId!)).toBe('RUNNING');
    expect(await timeLimit(started.remoteJobId!)).toBe('7:00');
    const shown = await h.cluster.exec(`scontrol show job ${Number(started.remoteJobId)}`);
    expect(shown.stdout).toMatch(/TimeLimit=00:07:00/);

    const after = (await h.call('alice', 'GET', `/v3/jobs/${old.id}`)).body as Job;
    expect(after.resubmittedAs).toBe(next.id);
    expect(after.status).toBe('CANCELLED');
    const oldHistory = (await h.call('alice', 'GET', `/v3/jobs/${old.id}/history`)).body.events;
    // Found by type: the log collector may write its event after it.
    expect(oldHistory.filter((e: { event: string }) => e.event === 'RESUBMITTED_AS')).toEqual([
      expect.objectContaining({
        event: 'RESUBMITTED_AS',
        status: 'CANCELLED',
        actor: 'alice',
        description: `resubmitted as job ${next.id}`,
      }),
    ]);
    const newHistory = (await h.call('alice', 'GET', `/v3/jobs/${next.id}/history`)).body.events;
    expect(newHistory[0]).toMatchObject({ event: 'JOB_CREATED' });
    expect(newHistory[0].description).toContain(`resubmitted from job ${old.id}`);

    // Again from the old job: resubmittedAs names the latest.
    const third = await resubmit('alice', old.id, { command: 'sleep 300', args: [] });
    expect(third.status).toBe(201);
    expect(third.body).toMatchObject({ command: 'sleep 300', args: [], maxMinutes: 5 });
    expect((await h.call('alice', 'GET', `/v3/jobs/${old.id}`)).body.resubmittedAs).toBe(
      third.body.id,
    );
  });

  it('honours Idempotency-Key: a retry gets the same new job, and makes no second one', async () => {
    const old = await h.submit('alice', { name: 'resub-idem', command: 'true' });
    await h.waitFor('alice', old.id, hasStatus('FINISHED'));
    const send = async () =>
      h.app.inject({
        method: 'POST',
        url: `/v3/jobs/${old.id}/resubmit`,
        headers: {
          authorization: `Bearer ${await h.issuer.token('alice')}`,
          'idempotency-key': `resubmit-${old.id}`,
        },
        payload: { description: 'again' },
      });
    const first = await send();
    const retry = await send();
    expect(first.statusCode).toBe(201);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.json().id).toBe(first.json().id);
    const listed = await h.call('alice', 'GET', '/v3/jobs/list?name=resub-idem');
    expect(listed.body.jobs).toHaveLength(2);
  });

  it('goes through the submit checks: an exclusive job still running refuses its own resubmission', async () => {
    const old = await h.submit('alice', {
      name: 'resub-single',
      command: 'sleep 300',
      exclusive: true,
    });
    const res = await resubmit('alice', old.id);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'JOB_ALREADY_RUNNING',
      details: { jobId: old.id },
    });
    // Without the key, it is a job like any other.
    const free = await resubmit('alice', old.id, { exclusive: false });
    expect(free.status).toBe(201);
    expect(free.body.exclusiveKey).toBeNull();
  });

  it("another user's job is 404, as for a job that does not exist", async () => {
    const old = await h.submit('alice', { name: 'resub-private', command: 'true' });
    const res = await resubmit('bob', old.id, { name: 'mine-now' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'JOB_NOT_FOUND', details: { jobId: old.id } });
    expect((await h.call('alice', 'GET', `/v3/jobs/${old.id}`)).body.resubmittedAs).toBeNull();
    expect((await h.call('bob', 'GET', '/v3/jobs/list?name=mine-now')).body.jobs).toEqual([]);
  });

  it('refuses unknown fields, values out of bounds, and script with command, naming the field', async () => {
    const old = await h.submit('alice', { name: 'resub-bad', command: 'true' });
    const unknown = await resubmit('alice', old.id, { bogus: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
    const zero = await resubmit('alice', old.id, { maxMinutes: 0 });
    expect(zero.body.error.details.field).toBe('body.maxMinutes');
    const both = await resubmit('alice', old.id, { script: 'true', command: 'true' });
    expect(both.status).toBe(400);
    expect(both.body.error.details.field).toBe('body.script');
    const system = await resubmit('alice', old.id, { execSystemId: 'nowhere' });
    expect(system.body.error.code).toBe('UNKNOWN_EXEC_SYSTEM');
    const notUuid = await resubmit('alice', 'not-a-uuid');
    expect(notUuid.body.error.details.field).toBe('params.jobId');
  });
});
