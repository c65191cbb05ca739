import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Singleton jobs (`exclusive`, `exclusiveKey`) on the real sandbox cluster.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  // Jobs made through h.call are not the harness's to clean up: abandon whatever still runs.
  for (const user of ['alice', 'bob', 'carol']) {
    await h?.call(user, 'POST', '/v3/jobs/stop', {
      selector: { status: ['PROCESSING_INPUTS', 'PENDING', 'RUNNING'] },
    });
  }
  await h?.close();
});

const sleeper = 'sleep 300';
const submit = (user: string, body: Record<string, unknown>) =>
  h.call(user, 'POST', '/v3/jobs/submit', { execSystemId: h.system.id, command: sleeper, ...body });

describe('singleton jobs', () => {
  it('submitted twice in a row: the second is 409 JOB_ALREADY_RUNNING naming the first, and never reaches Slurm', async () => {
    const first = await h.submit('alice', {
      name: 'nightly-sync',
      command: sleeper,
      exclusive: true,
    });
    expect(first.exclusiveKey).toBe('nightly-sync');
    const second = await submit('alice', { name: 'nightly-sync', exclusive: true });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('JOB_ALREADY_RUNNING');
    expect(second.body.error.details).toMatchObject({ jobId: first.id, name: 'nightly-sync' });
    expect(['PROCESSING_INPUTS', 'PENDING', 'RUNNING']).toContain(second.body.error.details.status);

    // Once it runs, the answer says so, since when, and how to stop it.
    const running = await h.waitFor('alice', first.id, hasStatus('RUNNING'));
    const third = await submit('alice', { name: 'nightly-sync', exclusive: true });
    expect(third.status).toBe(409);
    expect(third.body.error.details).toEqual({
      jobId: first.id,
      name: 'nightly-sync',
      status: 'RUNNING',
      since: running.remoteStarted,
      exclusiveKey: 'nightly-sync',
    });
    expect(third.body.error.message).toBe(
      `A job named nightly-sync is already running: job ${first.id} (RUNNING since ${running.remoteStarted}). To stop it: POST /v3/jobs/${first.id}/cancel`,
    );
    const listed = await h.call('alice', 'GET', '/v3/jobs/list?name=nightly-sync');
    expect(listed.body.jobs.map((j: { id: string }) => j.id)).toEqual([first.id]);
    // Slurm has the one job of that name, no other.
    const queued = await h.cluster.exec('squeue -h -u alice -n nightly-sync -o %i');
    expect(queued.stdout.trim().split('\n')).toEqual([running.remoteJobId]);
    // Not a singleton: the same name is not refused.
    const plain = await submit('alice', { name: 'nightly-sync' });
    expect(plain.status).toBe(201);
    expect(plain.body.exclusiveKey).toBeNull();
  });

  it('10 concurrent submits with one key: exactly one 201 and nine 409 naming it; once it ended, the key is free', async () => {
    const body = { name: 'concurrent', exclusiveKey: 'race' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => submit('bob', body)));
    const created = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409);
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(9);
    const winner = created[0]!.body;
    expect(winner.exclusiveKey).toBe('race');
    for (const r of refused) {
      expect(r.body.error.code).toBe('JOB_ALREADY_RUNNING');
      expect(r.body.error.details.jobId).toBe(winner.id);
    }
    await h.waitFor('bob', winner.id, hasStatus('RUNNING'));

    const stopped = await h.call('bob', 'POST', `/v3/jobs/${winner.id}/cancel`, { wait: 60 });
    expect(stopped.body.status).toBe('CANCELLED');
    const again = await submit('bob', body);
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(winner.id);
    await h.waitFor('bob', again.body.id, hasStatus('PENDING', 'RUNNING'));
  });

  it('one exclusiveKey shared by two names: the second name meets the first', async () => {
    const a = await h.submit('carol', {
      name: 'etl-extract',
      command: sleeper,
      exclusiveKey: 'etl',
    });
    const b = await submit('carol', { name: 'etl-load', exclusiveKey: 'etl' });
    expect(b.status).toBe(409);
    expect(b.body.error.details).toMatchObject({
      jobId: a.id,
      name: 'etl-extract',
      exclusiveKey: 'etl',
    });
    expect(b.body.error.message).toMatch(
      new RegExp(
        `^A job with exclusive key etl is already running: job ${a.id} named etl-extract \\(`,
      ),
    );
    // The key is the owner's: another user holds their own.
    expect((await submit('alice', { name: 'etl-load', exclusiveKey: 'etl' })).status).toBe(201);
  });

  it('refuses a bad key or a contradiction with 400, naming the field', async () => {
    const spaced = await submit('carol', { name: 'k', exclusiveKey: 'has space' });
    expect(spaced.status).toBe(400);
    expect(spaced.body.error.details.field).toBe('body.exclusiveKey');
    const long = await submit('carol', { name: 'k', exclusiveKey: 'k'.repeat(129) });
    expect(long.body.error.details.field).toBe('body.exclusiveKey');
    const both = await submit('carol', { name: 'k', exclusive: false, exclusiveKey: 'k' });
    expect(both.status).toBe(400);
    expect(both.body.error.details.field).toBe('body.exclusive');
  });
});
