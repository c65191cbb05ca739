import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Stopping jobs through the HTTP API on the real sandbox cluster.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const terminal = hasStatus('FINISHED', 'FAILED', 'CANCELLED');
const sleeper = '#!/bin/bash\nsleep 300\n';

async function running(name: string, script = sleeper) {
  const job = await h.submit('carol', { name, script });
  return h.waitFor('carol', job.id, hasStatus('RUNNING'));
}

/** Slurm jobs carrying this hpcgate id that are still queued or running. */
async function activeInSlurm(jobId: string): Promise<string[]> {
  const r = await h.as('carol').exec("squeue -h --me -t PENDING,RUNNING,COMPLETING -o '%i|%k'");
  return r.stdout
    .split('\n')
    .filter((l) => l.endsWith(`|hpcgate:${jobId}`))
    .map((l) => l.split('|')[0]!);
}

describe('cancel (the default mode)', () => {
  it('a PENDING (held) job leaves the queue and is CANCELLED_BY_USER', async () => {
    const submitted = await h.submit('carol', {
      name: 'held',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    const pending = await h.waitFor('carol', submitted.id, hasStatus('PENDING'));
    const res = await h.call('carol', 'POST', `/v3/jobs/${pending.id}/cancel`);
    expect([200, 202]).toContain(res.status);
    expect(res.body.stopRequest).toMatchObject({ mode: 'cancel', requestedBy: 'carol' });
    const job = await h.waitFor('carol', pending.id, terminal);
    expect(job).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    expect(job.stopRequest?.outcome).toBe('CONFIRMED');
    expect(job.remoteStarted).toBeNull();
    expect(await h.squeueState(job.remoteJobId!)).toBe('');
  });

  it("a queued job's CANCELLED comes back with the stop itself: no look at Slurm after it", async () => {
    const submitted = await h.submit('carol', {
      name: 'held-read-back',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    const pending = await h.waitFor('carol', submitted.id, hasStatus('PENDING'));
    // Looks at this job alone (a stop's refresh, a focused look) pass no options; whole cycles do.
    const scheduler = h.app.systems.get(h.system.id)!.scheduler;
    const poll = scheduler.poll.bind(scheduler);
    let looks = 0;
    scheduler.poll = (jobs, accounts, options) => {
      if (!options && jobs.some((j) => j.gatewayJobId === pending.id)) looks++;
      return poll(jobs, accounts, options);
    };
    try {
      const res = await h.call('carol', 'POST', `/v3/jobs/${pending.id}/cancel`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
      expect(res.body.stopRequest.outcome).toBe('CONFIRMED');
      await new Promise((r) => setTimeout(r, 300));
      expect(looks).toBe(0);
    } finally {
      scheduler.poll = poll;
    }
  });

  it('a RUNNING job is signalled, and CANCELLED only once Slurm says it ended', async () => {
    const job = await running('sleeper');
    const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`, { mode: 'cancel' });
    expect([200, 202]).toContain(res.status);
    if (res.status === 202) expect(res.body.status).toBe('RUNNING');
    const ended = await h.waitFor('carol', job.id, terminal);
    expect(ended).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    expect(ended.remoteState).toBe('CANCELLED');
    expect(await activeInSlurm(job.id)).toEqual([]);

    const events = (await h.call('carol', 'GET', `/v3/jobs/${job.id}/history`)).body.events;
    expect(events.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['STOP_REQUESTED', 'STOP_SIGNALLED']),
    );
    const statusChanges = events.filter((e: { event: string }) => e.event === 'STATUS_CHANGED');
    expect(statusChanges.at(-1)).toMatchObject({ status: 'CANCELLED' });
  });

  it('with wait, answers 200 with the final job', async () => {
    const job = await running('sleeper-wait');
    const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`, { wait: 20 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
  });

  it('racing the submission: the job never runs, and no Slurm job is left behind', async () => {
    const submitted = await h.submit('carol', { name: 'racer', script: sleeper });
    const res = await h.call('carol', 'POST', `/v3/jobs/${submitted.id}/cancel`);
    expect([200, 202]).toContain(res.status);
    const job = await h.waitFor('carol', submitted.id, terminal);
    expect(job).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    expect(await activeInSlurm(job.id)).toEqual([]);
  });

  it('ten concurrent cancels: one scancel, consistent answers', async () => {
    const job = await running('crowd');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`)),
    );
    for (const a of answers) expect([200, 202]).toContain(a.status);
    const ended = await h.waitFor('carol', job.id, terminal);
    expect(ended.status).toBe('CANCELLED');
    const events = (await h.call('carol', 'GET', `/v3/jobs/${job.id}/history`)).body.events;
    expect(events.filter((e: { event: string }) => e.event === 'STOP_SIGNALLED')).toHaveLength(1);
  });
});

describe('stopping a job that has ended', () => {
  it.each([
    ['FINISHED', 'true'],
    ['FAILED', 'exit 4'],
  ])('a %s job answers 409 JOB_NOT_CANCELLABLE naming its status', async (status, command) => {
    const submitted = await h.submit('carol', { name: `done-${status}`, command });
    const job = await h.waitFor('carol', submitted.id, terminal);
    expect(job.status).toBe(status);
    for (const mode of ['cancel', 'interrupt', 'force-stop', 'terminate']) {
      const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`, { mode });
      expect(res.status).toBe(409);
      expect(res.body.error).toEqual({
        code: 'JOB_NOT_CANCELLABLE',
        message: expect.stringContaining(status),
        details: { jobId: job.id, status },
      });
    }
  });

  it('a CANCELLED job answers 409 too, and stays as it was', async () => {
    const job = await running('twice');
    await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`, { wait: 20 });
    // The log collector's OUTPUT_* event is the gateway's last change to an ended job.
    await expect
      .poll(
        async () => {
          const history = await h.call('carol', 'GET', `/v3/jobs/${job.id}/history`);
          return history.body.events.some((e: { event: string }) => e.event.startsWith('OUTPUT_'));
        },
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);
    const before = (await h.call('carol', 'GET', `/v3/jobs/${job.id}`)).body;
    const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ jobId: job.id, status: 'CANCELLED' });
    const after = (await h.call('carol', 'GET', `/v3/jobs/${job.id}`)).body;
    expect(after).toEqual(before);
  });

  it('a bad mode is 400', async () => {
    const job = await h.submit('carol', { name: 'mode', command: 'true' });
    const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`, { mode: 'explode' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('body.mode');
  });
});

describe('terminate', () => {
  it('is CANCELLED at once, and Slurm is made to drop the job soon after', async () => {
    const job = await running('stubborn', "#!/bin/bash\ntrap '' TERM\nsleep 300\n");
    const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`, { mode: 'terminate' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', condition: 'TERMINATED_BY_USER' });
    const gone = await h.waitFor(
      'carol',
      job.id,
      (j) => j.stopRequest?.outcome === 'CONFIRMED',
      20_000,
    );
    expect(gone.status).toBe('CANCELLED');
    expect(gone.remoteState).toBe('CANCELLED');
    expect(await activeInSlurm(job.id)).toEqual([]);
  });
});
