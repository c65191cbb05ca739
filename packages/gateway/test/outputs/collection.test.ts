import type { Job } from '@hpcgate/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// What the gateway keeps of a job's logs after each way of ending, on the real sandbox cluster.
// Periodic copies every 300 ms so that a terminated job has one.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({}, { outputs: { periodicMs: 300 } });
});
afterAll(() => h?.close());

const running = hasStatus('RUNNING');
const over = (j: Job) => ['FINISHED', 'FAILED', 'CANCELLED'].includes(j.status);

/** The job once its output decision is in its history. */
async function decided(
  jobId: string,
): Promise<{ job: Job; event: { event: string; description: string } }> {
  let event: { event: string; description: string } | undefined;
  await expect
    .poll(
      async () => {
        const res = await h.call('alice', 'GET', `/v3/jobs/${jobId}/history`);
        event = res.body.events.find((e: { event: string }) => e.event.startsWith('OUTPUT_'));
        return event?.event;
      },
      { timeout: 30_000, interval: 100 },
    )
    .toMatch(/^OUTPUT_/);
  const job = (await h.call('alice', 'GET', `/v3/jobs/${jobId}`)).body as Job;
  return { job, event: event! };
}

/** The job's log as the logs route streams it, and where it came from. */
async function readLog(jobId: string, stream = 'stdout') {
  const res = await h.app.inject({
    method: 'GET',
    url: `/v3/jobs/${jobId}/logs?stream=${stream}`,
    headers: { authorization: `Bearer ${await h.issuer.token('alice')}` },
  });
  const blocks = res.body.split('\n\n').filter(Boolean);
  const data = (kind: string) =>
    blocks
      .filter((b) => b.includes(`event: ${kind}\n`))
      .map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6)));
  return {
    text: data('log')
      .map((c: { text: string }) => c.text)
      .join(''),
    end: data('end')[0],
  };
}

/** The cluster forgets the job's directory (scratch purged). */
async function purge(job: Job): Promise<void> {
  const r = await h.as('alice').exec(`rm -rf "$HOME/hpcgate/jobs/${job.id}"`);
  expect(r.code).toBe(0);
}

describe('logs collected when a job ends, as each stop mode promises', () => {
  it('a job that ends normally: OUTPUT_COLLECTED with sizes, readable after the cluster purged it', async () => {
    const submitted = await h.submit('alice', {
      name: 'collect-ok',
      command: 'echo out-line; echo err-line >&2',
    });
    await h.waitFor('alice', submitted.id, over);
    const { job, event } = await decided(submitted.id);
    expect(event.event).toBe('OUTPUT_COLLECTED');
    expect(event.description).toContain('stdout: 9 bytes');
    expect(event.description).toContain('stderr: 9 bytes');
    expect(job.output).toMatchObject({ collected: true, bytes: 18, truncated: false });
    await purge(job);
    expect(await readLog(job.id)).toMatchObject({
      text: 'out-line\n',
      end: { source: 'collected' },
    });
    expect((await readLog(job.id, 'stderr')).text).toBe('err-line\n');
  });

  it('after a cancel: collected', async () => {
    const submitted = await h.submit('alice', {
      name: 'collect-cancel',
      command: 'echo before-cancel; sleep 60',
    });
    await h.waitFor('alice', submitted.id, running);
    await expect.poll(async () => (await readLog(submitted.id)).text).toBe('before-cancel\n');
    expect(
      (await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, {})).status,
    ).toBeLessThan(300);
    const { job, event } = await decided(submitted.id);
    expect(job.status).toBe('CANCELLED');
    expect(event.event).toBe('OUTPUT_COLLECTED');
    expect(job.output?.collected).toBe(true);
    await purge(job);
    expect(await readLog(job.id)).toMatchObject({
      text: 'before-cancel\n',
      end: { source: 'collected' },
    });
  });

  it('after an interrupt: collected, with what the job wrote as it stopped', async () => {
    const submitted = await h.submit('alice', {
      name: 'collect-interrupt',
      command: "trap 'echo saving-state; exit 0' INT; echo started; sleep 60 & wait",
    });
    await h.waitFor('alice', submitted.id, running);
    await expect.poll(async () => (await readLog(submitted.id)).text).toBe('started\n');
    const res = await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, {
      mode: 'interrupt',
    });
    expect(res.status).toBeLessThan(300);
    await h.waitFor('alice', submitted.id, over);
    const { job, event } = await decided(submitted.id);
    expect(event.event).toBe('OUTPUT_COLLECTED');
    await purge(job);
    expect((await readLog(job.id)).text).toBe('started\nsaving-state\n');
  });

  it('after a terminate: not collected, but the periodic copy stays readable', async () => {
    const submitted = await h.submit('alice', {
      name: 'collect-terminate',
      command: 'echo started; while :; do sleep 0.1; done',
    });
    await h.waitFor('alice', submitted.id, running);
    // A periodic copy was taken while it ran.
    await expect
      .poll(async () => (await h.call('alice', 'GET', `/v3/jobs/${submitted.id}`)).body.output, {
        timeout: 10_000,
      })
      .toMatchObject({ collected: false, bytes: 8 });
    const res = await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, {
      mode: 'terminate',
    });
    expect(res.status).toBeLessThan(300);
    const { job, event } = await decided(submitted.id);
    expect(job.status).toBe('CANCELLED');
    expect(event.event).toBe('OUTPUT_NOT_COLLECTED');
    expect(event.description).toMatch(
      /^terminated: no files collected; the copy saved while it ran/,
    );
    // stdout's 8 bytes, and stderr's if a last copy caught Slurm's "CANCELLED AT" line.
    expect(job.output).toMatchObject({ collected: false });
    expect(job.output!.bytes).toBeGreaterThanOrEqual(8);
    await purge(job);
    expect(await readLog(job.id)).toMatchObject({ text: 'started\n', end: { source: 'periodic' } });
  });

  it('a job cancelled before it ran has no logs: OUTPUT_NOT_COLLECTED says so', async () => {
    const submitted = await h.submit('alice', {
      name: 'collect-never-ran',
      // Held by Slurm: it never starts.
      script: '#!/bin/bash\n#SBATCH --hold\necho never\n',
    });
    await h.waitFor('alice', submitted.id, hasStatus('PENDING'));
    await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, {});
    const { job, event } = await decided(submitted.id);
    expect(job).toMatchObject({ status: 'CANCELLED', remoteStarted: null, output: null });
    expect(event.event).toBe('OUTPUT_NOT_COLLECTED');
    expect(event.description).toMatch(/no logs/);
  });
});
