import { randomUUID } from 'node:crypto';
import { sampleJob } from '@hpcgate/contract/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

// A controller that lost its state (kill -9 of slurmctld) gives old Slurm ids to new jobs. The
// gateway must never take, or signal, the new job for the old one: every signal is sent only
// while the id still carries the job's own tag. Simulated here on the real sandbox: a gateway job
// whose recorded Slurm id now belongs to another job of the same account.
let h: Harness;
let other = '';
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  if (other) await h.as('carol').exec(`scancel ${other}`);
  await h?.close();
});

describe('a Slurm id that now names another job', () => {
  it('is never signalled, and the gateway job does not take on its state', async () => {
    const r = await h
      .as('carol')
      .exec(
        `sbatch --parsable --job-name=reused --comment=hpcgate:${randomUUID()} --wrap 'sleep 120'`,
      );
    other = r.stdout.trim();
    expect(other).toMatch(/^\d+$/);
    await expect
      .poll(async () => (await h.cluster.exec(`squeue -h -j ${other} -o %T`)).stdout.trim(), {
        timeout: 15_000,
      })
      .toBe('RUNNING');

    // The old gateway job, recorded with that id before the controller forgot it.
    const now = new Date().toISOString();
    const old = {
      ...sampleJob({
        id: randomUUID(),
        owner: 'carol',
        remoteUser: 'carol',
        execSystemId: h.system.id,
        status: 'PENDING' as const,
        remoteJobId: other,
        remoteState: 'PENDING',
        remoteStarted: null,
        created: now,
        lastUpdated: now,
      }),
      remoteDone: false,
    };
    await h.app.store.create(old, {
      event: 'JOB_CREATED',
      actor: 'carol',
      description: 'before the crash',
    });

    for (const mode of ['cancel', 'force-stop', 'interrupt'] as const) {
      const res = await h.call('carol', 'POST', `/v3/jobs/${old.id}/cancel`, { mode });
      expect(res.status, mode).toBe(502);
      expect(res.body.error.message).toMatch(
        /no longer carries this job's tag: nothing was signalled/,
      );
    }
    // Polls come and go: the other job runs on, and the old one did not become it.
    const monitor = h.app.jobs.monitor(h.system.id)!;
    await monitor.refresh();
    await monitor.refresh();
    expect((await h.cluster.exec(`squeue -h -j ${other} -o %T`)).stdout.trim()).toBe('RUNNING');
    const seen = (await h.call('carol', 'GET', `/v3/jobs/${old.id}`)).body;
    expect(seen).toMatchObject({ status: 'PENDING', remoteState: 'PENDING' });
    expect(seen.stopRequest.outcome).toBe('FAILED');
  });
});
