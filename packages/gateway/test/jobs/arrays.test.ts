import type { Job } from '@hpcgate/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Job arrays on the real sandbox cluster: one job, one Slurm array, a task per index.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const over = hasStatus('FINISHED', 'FAILED', 'CANCELLED');

async function tasks(jobId: string) {
  const res = await h.call('alice', 'GET', `/v3/jobs/${jobId}/tasks?limit=1000`);
  expect(res.status).toBe(200);
  return res.body as {
    summary: { total: number; counts: Record<string, number> };
    tasks: Array<{ index: number; status: string; exitCode: number | null }>;
  };
}

/** Slurm's tasks of the array still queued or running. */
async function activeInSlurm(job: Job): Promise<string> {
  const r = await h.cluster.exec(`squeue -h -r -j ${job.remoteJobId} -t PENDING,RUNNING -o %i`);
  return r.stdout.trim();
}

describe('job arrays', () => {
  it('runs a task per index, each with its own output, and ends FINISHED when all succeed', async () => {
    const submitted = await h.submit('alice', {
      name: 'array-ok',
      command: 'echo "task $SLURM_ARRAY_TASK_ID"',
      array: { indices: '1-3,7' },
    });
    expect(submitted.tasks).toMatchObject({ total: 4, counts: { PENDING: 4 } });
    const job = await h.waitFor('alice', submitted.id, over);
    expect(job).toMatchObject({ status: 'FINISHED', condition: 'NORMAL_COMPLETION' });
    const t = await tasks(job.id);
    expect(t.summary).toMatchObject({ total: 4, counts: { SUCCEEDED: 4, PENDING: 0 } });
    expect(t.tasks.map((x) => [x.index, x.status, x.exitCode])).toEqual([
      [1, 'SUCCEEDED', 0],
      [2, 'SUCCEEDED', 0],
      [3, 'SUCCEEDED', 0],
      [7, 'SUCCEEDED', 0],
    ]);
    const out = await h.call('alice', 'GET', `/v3/jobs/${job.id}/output/list`);
    expect(out.body.entries.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(['stdout.1', 'stdout.2', 'stdout.3', 'stdout.7']),
    );
    const seven = await h.app.inject({
      url: `/v3/jobs/${job.id}/output/download/stdout.7`,
      headers: { authorization: `Bearer ${await h.issuer.token('alice')}` },
    });
    expect(seven.body).toBe('task 7\n');
    // A task's own log, through the logs route.
    const log = await h.app.inject({
      url: `/v3/jobs/${job.id}/logs?task=3`,
      headers: { authorization: `Bearer ${await h.issuer.token('alice')}` },
    });
    expect(log.body).toContain('"text":"task 3\\n"');
    expect(log.body).toContain('event: end');
  });

  it('a failing task makes the job FAILED', async () => {
    const submitted = await h.submit('alice', {
      name: 'array-fail',
      command: '[ "$SLURM_ARRAY_TASK_ID" != 2 ] || exit 4',
      array: { indices: '1-3' },
    });
    const job = await h.waitFor('alice', submitted.id, over);
    expect(job).toMatchObject({ status: 'FAILED', condition: 'JOB_EXIT_NONZERO', exitCode: 4 });
    const t = await tasks(job.id);
    expect(t.tasks.map((x) => x.status)).toEqual(['SUCCEEDED', 'FAILED', 'SUCCEEDED']);
  });

  it('drained after the first 4 of 20 start: those finish SUCCEEDED, 16 SKIPPED, CANCELLED/DRAINED_BY_USER', async () => {
    const submitted = await h.submit('alice', {
      name: 'array-drain',
      command: 'sleep 2',
      array: { indices: '1-20', maxParallel: 4 },
    });
    await expect
      .poll(async () => (await tasks(submitted.id)).summary.counts.RUNNING, { timeout: 30_000 })
      .toBe(4);
    const res = await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, { mode: 'drain' });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('RUNNING');
    expect(res.body.stopRequest).toMatchObject({ mode: 'drain', outcome: 'DRAINING' });
    const job = await h.waitFor('alice', submitted.id, over, 30_000);
    expect(job).toMatchObject({ status: 'CANCELLED', condition: 'DRAINED_BY_USER' });
    const t = await tasks(job.id);
    expect(t.summary.counts).toMatchObject({ SUCCEEDED: 4, SKIPPED: 16, RUNNING: 0, PENDING: 0 });
    expect(t.tasks.filter((x) => x.status === 'SUCCEEDED').map((x) => x.index)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(await activeInSlurm(job)).toBe('');
  });

  it('cancelled: running tasks CANCELED, pending ones SKIPPED', async () => {
    const submitted = await h.submit('alice', {
      name: 'array-cancel',
      command: 'sleep 60',
      array: { indices: '1-6', maxParallel: 2 },
    });
    await expect
      .poll(async () => (await tasks(submitted.id)).summary.counts.RUNNING, { timeout: 30_000 })
      .toBe(2);
    await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, {});
    const job = await h.waitFor('alice', submitted.id, over, 30_000);
    expect(job).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    const t = await tasks(job.id);
    expect(t.summary.counts).toMatchObject({ CANCELED: 2, SKIPPED: 4 });
    expect(await activeInSlurm(job)).toBe('');
  });

  it('cancel of tasks 5-9 only: those end, the others run on; then the rest, CANCELLED_BY_USER', async () => {
    const submitted = await h.submit('alice', {
      name: 'array-some',
      command: 'sleep 60',
      array: { indices: '1-12', maxParallel: 12 },
    });
    await expect
      .poll(async () => (await tasks(submitted.id)).summary.counts.RUNNING, { timeout: 30_000 })
      .toBe(12);
    const res = await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, { tasks: '5-9' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      status: 'RUNNING',
      stopRequest: { mode: 'cancel', tasks: '5-9' },
    });
    await expect
      .poll(async () => (await tasks(submitted.id)).summary.counts, { timeout: 30_000 })
      .toMatchObject({ CANCELED: 5, RUNNING: 7 });
    const t = await tasks(submitted.id);
    expect(t.tasks.filter((x) => x.status === 'CANCELED').map((x) => x.index)).toEqual([
      5, 6, 7, 8, 9,
    ]);
    // Slurm agrees: only those ended.
    const running = await h.cluster.exec(
      `squeue -h -r -j ${res.body.remoteJobId} -t RUNNING -o %K`,
    );
    expect(
      running.stdout
        .split('\n')
        .filter(Boolean)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 10, 11, 12]);
    // Now the whole job: it ends, the user's doing.
    await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, {});
    const job = await h.waitFor('alice', submitted.id, over, 30_000);
    expect(job).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    expect((await tasks(job.id)).summary.counts).toMatchObject({ CANCELED: 12 });
  });

  it('refuses a stop of tasks on a plain job, of tasks it does not have, or in another mode', async () => {
    const plain = await h.submit('alice', { name: 'plain', command: 'sleep 30' });
    const arr = await h.submit('alice', {
      name: 'arr',
      command: 'sleep 30',
      array: { indices: '1-3' },
    });
    for (const [id, body] of [
      [plain.id, { tasks: '1' }],
      [arr.id, { tasks: '4-9' }],
      [arr.id, { tasks: '1', mode: 'force-stop' }],
      [arr.id, { tasks: 'x' }],
    ] as const) {
      const res = await h.call('alice', 'POST', `/v3/jobs/${id}/cancel`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    for (const id of [plain.id, arr.id]) await h.call('alice', 'POST', `/v3/jobs/${id}/cancel`, {});
  });

  it('drain of a plain running job lets it finish: FINISHED', async () => {
    const submitted = await h.submit('alice', {
      name: 'drain-single',
      command: 'sleep 2; echo ok',
    });
    await h.waitFor('alice', submitted.id, hasStatus('RUNNING'));
    const res = await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, { mode: 'drain' });
    expect(res.status).toBe(202);
    const job = await h.waitFor('alice', submitted.id, over);
    expect(job).toMatchObject({ status: 'FINISHED', condition: 'NORMAL_COMPLETION' });
    expect(job.stopRequest).toMatchObject({ mode: 'drain', outcome: 'CONFIRMED' });
  });

  it('refuses bad indices and #SBATCH --array; tasks of another user are 404', async () => {
    for (const indices of ['5-1', '1-100000', 'a', '1,,2', '']) {
      const res = await h.call('alice', 'POST', '/v3/jobs/submit', {
        name: 'bad-array',
        execSystemId: h.system.id,
        command: 'true',
        array: { indices },
      });
      expect(res.status, indices).toBe(400);
    }
    const directive = await h.call('alice', 'POST', '/v3/jobs/submit', {
      name: 'bad-array',
      execSystemId: h.system.id,
      script: '#!/bin/bash\n#SBATCH --array=1-3\ntrue\n',
    });
    expect(directive.status).toBe(400);
    const job = await h.submit('alice', { name: 'mine', command: 'true', array: { indices: '1' } });
    expect((await h.call('bob', 'GET', `/v3/jobs/${job.id}/tasks`)).status).toBe(404);
  });
});
