import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Phased jobs on the real sandbox cluster: one Slurm job running its phases in order.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const over = hasStatus('FINISHED', 'FAILED', 'CANCELLED');

async function phases(jobId: string) {
  const res = await h.call('alice', 'GET', `/v3/jobs/${jobId}/tasks`);
  expect(res.status).toBe(200);
  return res.body as {
    summary: { total: number; counts: Record<string, number> };
    tasks: Array<{ index: number; name: string; status: string; exitCode: number | null }>;
  };
}
const statuses = async (jobId: string) =>
  (await phases(jobId)).tasks.map((t) => [t.name, t.status]);

describe('phases', () => {
  it('run in order in one job, each recorded; all succeed: FINISHED', async () => {
    const job = await h.submit('alice', {
      name: 'phased-ok',
      phases: [
        { name: 'fetch', command: 'echo one > order.txt' },
        { name: 'compute', command: 'echo two >> order.txt' },
        { name: 'store', script: '#!/bin/sh\necho three >> order.txt\n' },
      ],
    });
    expect(job.tasks).toMatchObject({ total: 3, counts: { PENDING: 3 } });
    const ended = await h.waitFor('alice', job.id, over);
    expect(ended).toMatchObject({ status: 'FINISHED', condition: 'NORMAL_COMPLETION' });
    expect(await statuses(job.id)).toEqual([
      ['fetch', 'SUCCEEDED'],
      ['compute', 'SUCCEEDED'],
      ['store', 'SUCCEEDED'],
    ]);
    const order = await h.app.inject({
      url: `/v3/jobs/${job.id}/output/download/order.txt`,
      headers: { authorization: `Bearer ${await h.issuer.token('alice')}` },
    });
    expect(order.body).toBe('one\ntwo\nthree\n');
  });

  it('a failing phase ends the job FAILED with its exit code; the later ones are SKIPPED', async () => {
    const job = await h.submit('alice', {
      name: 'phased-fail',
      phases: [
        { name: 'a', command: 'true' },
        { name: 'b', command: 'exit 5' },
        { name: 'c', command: 'touch never-made' },
      ],
    });
    const ended = await h.waitFor('alice', job.id, over);
    expect(ended).toMatchObject({ status: 'FAILED', condition: 'JOB_EXIT_NONZERO', exitCode: 5 });
    const t = await phases(job.id);
    expect(t.tasks.map((x) => [x.name, x.status, x.exitCode])).toEqual([
      ['a', 'SUCCEEDED', 0],
      ['b', 'FAILED', 5],
      ['c', 'SKIPPED', null],
    ]);
    expect(t.summary.counts).toMatchObject({ SUCCEEDED: 1, FAILED: 1, SKIPPED: 1 });
  });

  it('drained during phase 2: phase 2 finishes, phase 3 is SKIPPED, CANCELLED/DRAINED_BY_USER', async () => {
    const job = await h.submit('alice', {
      name: 'phased-drain',
      phases: [
        { name: 'one', command: 'true' },
        { name: 'two', command: 'touch two-started; sleep 2; echo done > two.txt' },
        { name: 'three', command: 'touch three-ran' },
      ],
    });
    await expect
      .poll(() => statuses(job.id), { timeout: 30_000, interval: 100 })
      .toEqual([
        ['one', 'SUCCEEDED'],
        ['two', 'RUNNING'],
        ['three', 'PENDING'],
      ]);
    const res = await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, { mode: 'drain' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'RUNNING', stopRequest: { outcome: 'DRAINING' } });
    const ended = await h.waitFor('alice', job.id, over);
    expect(ended).toMatchObject({ status: 'CANCELLED', condition: 'DRAINED_BY_USER' });
    expect(await statuses(job.id)).toEqual([
      ['one', 'SUCCEEDED'],
      ['two', 'SUCCEEDED'],
      ['three', 'SKIPPED'],
    ]);
    const list = await h.call('alice', 'GET', `/v3/jobs/${job.id}/output/list`);
    const names = list.body.entries.map((e: { name: string }) => e.name);
    expect(names).toContain('two.txt');
    expect(names).not.toContain('three-ran');
  });

  it('refuses phases with script or array, duplicate names, more than 32', async () => {
    const base = { name: 'bad-phases', execSystemId: h.system.id };
    for (const body of [
      { ...base, command: 'true', phases: [{ name: 'a', command: 'true' }] },
      { ...base, array: { indices: '1-2' }, phases: [{ name: 'a', command: 'true' }] },
      {
        ...base,
        phases: [
          { name: 'a', command: 'true' },
          { name: 'a', command: 'true' },
        ],
      },
      {
        ...base,
        phases: Array.from({ length: 33 }, (_, i) => ({ name: `p${i}`, command: 'true' })),
      },
      { ...base, phases: [{ name: 'a', command: 'true', script: '#!/bin/sh\n' }] },
      { ...base, phases: [{ name: '../x', command: 'true' }] },
    ]) {
      const res = await h.call('alice', 'POST', '/v3/jobs/submit', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });
});
