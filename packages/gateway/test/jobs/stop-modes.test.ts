import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// interrupt and force-stop on the real sandbox (KillWait=5 there).
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const terminal = hasStatus('FINISHED', 'FAILED', 'CANCELLED');

async function lines(path: string): Promise<string[]> {
  const r = await h.cluster.exec(`cat ${path} 2>/dev/null`);
  return r.stdout.split('\n').filter(Boolean);
}

describe('interrupt', () => {
  it('SIGINT reaches a script that traps it, twice; the job runs on, then ends by itself', async () => {
    const log = `/tmp/hpcgate-int-${randomUUID()}`;
    const submitted = await h.submit('erin', {
      name: 'trapper',
      script: `#!/bin/bash\ntrap 'echo "got INT" >> ${log}' INT\ntouch ${log}.ready\nwhile [ ! -e ${log}.stop ]; do sleep 0.2; done\necho done >> ${log}\n`,
    });
    const job = await h.waitFor('erin', submitted.id, hasStatus('RUNNING'));
    // Only once the trap is set: a SIGINT before it would end the script.
    await expect
      .poll(async () => (await h.cluster.exec(`test -e ${log}.ready`)).code, { timeout: 10_000 })
      .toBe(0);

    for (const n of [1, 2]) {
      const res = await h.call('erin', 'POST', `/v3/jobs/${job.id}/cancel`, { mode: 'interrupt' });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'RUNNING', stopRequest: { mode: 'interrupt' } });
      await expect.poll(() => lines(log), { timeout: 10_000 }).toHaveLength(n);
    }
    expect(await lines(log)).toEqual(['got INT', 'got INT']);
    expect((await h.call('erin', 'GET', `/v3/jobs/${job.id}`)).body.status).toBe('RUNNING');
    expect(await h.squeueState(job.remoteJobId!)).toBe('RUNNING');

    await h.cluster.exec(`touch ${log}.stop`);
    const ended = await h.waitFor('erin', job.id, terminal);
    // It ended after the user's stop request: CANCELLED with the mode's condition, Slurm's own
    // word and the true exit code kept beside it.
    expect(ended).toMatchObject({
      status: 'CANCELLED',
      condition: 'INTERRUPTED_BY_USER',
      remoteState: 'COMPLETED',
      exitCode: 0,
    });
    expect(await lines(log)).toEqual(['got INT', 'got INT', 'done']);
    const events = (await h.call('erin', 'GET', `/v3/jobs/${job.id}/history`)).body.events;
    expect(events.filter((e: { event: string }) => e.event === 'STOP_SIGNALLED')).toHaveLength(2);
    await h.cluster.exec(`rm -f ${log} ${log}.stop ${log}.ready`);
  });

  it('on a job that is not running yet it acts as cancel', async () => {
    const submitted = await h.submit('erin', {
      name: 'queued',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    const pending = await h.waitFor('erin', submitted.id, hasStatus('PENDING'));
    const res = await h.call('erin', 'POST', `/v3/jobs/${pending.id}/cancel`, {
      mode: 'interrupt',
      wait: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
  });
});

describe('force-stop', () => {
  it('kills a job that ignores SIGTERM, and every process it started, without a grace period', async () => {
    const tag = `hpcgate-stubborn-${randomUUID()}`;
    const submitted = await h.submit('erin', {
      name: 'stubborn',
      script: [
        '#!/bin/bash',
        "trap '' TERM",
        `bash -c 'exec -a ${tag}-child sleep 600' &`,
        `setsid bash -c 'exec -a ${tag}-escaped sleep 600' &`,
        `exec -a ${tag}-main sleep 600`,
      ].join('\n'),
    });
    const job = await h.waitFor('erin', submitted.id, hasStatus('RUNNING'));
    await expect
      .poll(async () => (await h.cluster.exec(`pgrep -c -f ${tag}`)).stdout.trim(), {
        timeout: 5_000,
      })
      .toBe('3');

    const res = await h.call('erin', 'POST', `/v3/jobs/${job.id}/cancel`, {
      mode: 'force-stop',
      wait: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', condition: 'FORCE_STOPPED_BY_USER' });
    // Not one process is left, the one that escaped the process group included.
    expect((await h.cluster.exec(`pgrep -f ${tag}`)).code).toBe(1);
    // Slurm's own record: ended by SIGKILL, in less than the KillWait a cancel would have taken.
    const ended = res.body;
    expect(ended.remoteState).toBe('FAILED');
    expect(ended.exitSignal).toBe(9);
    const took = Date.parse(ended.ended) - Date.parse(ended.stopRequest.requestedAt);
    expect(took).toBeLessThan(5_000);
  });

  it('on a queued job it removes it from the queue', async () => {
    const submitted = await h.submit('erin', {
      name: 'queued-force',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    const pending = await h.waitFor('erin', submitted.id, hasStatus('PENDING'));
    const res = await h.call('erin', 'POST', `/v3/jobs/${pending.id}/cancel`, {
      mode: 'force-stop',
      wait: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'CANCELLED', condition: 'FORCE_STOPPED_BY_USER' });
    expect(await h.squeueState(pending.remoteJobId!)).toBe('');
  });
});

describe('plain cancel, for comparison, on the same stubborn job', () => {
  it('waits for KillWait, and still leaves no process behind', async () => {
    const tag = `hpcgate-stubborn-cancel-${randomUUID()}`;
    const submitted = await h.submit('erin', {
      name: 'stubborn-cancel',
      script: `#!/bin/bash\ntrap '' TERM\nbash -c 'trap "" TERM; exec -a ${tag}-child sleep 600' &\nexec -a ${tag}-main sleep 600\n`,
    });
    const job = await h.waitFor('erin', submitted.id, hasStatus('RUNNING'));
    await h.call('erin', 'POST', `/v3/jobs/${job.id}/cancel`);
    const ended = await h.waitFor('erin', job.id, terminal, 30_000);
    expect(ended).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    expect((await h.cluster.exec(`pgrep -f ${tag}`)).code).toBe(1);
  });
});
