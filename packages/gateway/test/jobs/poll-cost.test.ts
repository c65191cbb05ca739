import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// The monitor's cost per poll cycle grows neither with the number of active jobs nor with the
// number of users they belong to: one squeue (by the service account) for all of them.
let h: Harness;
beforeAll(async () => {
  // Only the poll's commands are counted: no log copies.
  h = await startHarness({}, { outputs: { collect: false } });
});
afterAll(() => h?.close());

const USERS = ['alice', 'bob', 'carol'] as const;
/** Held jobs: active (PENDING) as long as the test wants, without taking a CPU slot. */
const HELD = '#!/bin/bash\n#SBATCH --hold\ntrue\n';

async function cycleWith(
  n: number,
): Promise<{ watchedJobs: number; commands: number; sshCommands: number; owners: Set<string> }> {
  const name = `poll-${n}-${Date.now()}`;
  const jobs = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const user = USERS[i % USERS.length]!;
      return h.submit(user, { name, script: HELD }).then((job) => ({ job, user }));
    }),
  );
  await Promise.all(
    jobs.map(({ job, user }) =>
      h.waitFor(user, job.id, (j) => j.status === 'PENDING' && j.remoteState === 'PENDING', 60_000),
    ),
  );
  const monitor = h.app.jobs.monitor(h.system.id)!;
  const scheduler = h.app.systems.get(h.system.id)!.scheduler;
  // A fresh cycle first, so that the measured one sees every job settled.
  await monitor.refresh();
  const sentBefore = scheduler.commandsSent;
  await monitor.refresh();
  const sshCommands = scheduler.commandsSent - sentBefore;
  const stats = { ...monitor.lastCycle!, sshCommands };
  // Slurm itself says whose jobs these are.
  const listed = await h.cluster.exec(`squeue -h -t all --name=${name} -o %u`);
  const owners = new Set(listed.stdout.split('\n').filter(Boolean));
  for (const user of new Set(jobs.map((j) => j.user))) {
    const res = await h.call(user, 'POST', '/v3/jobs/stop', { selector: { names: [name] } });
    expect(res.status).toBe(200);
  }
  await Promise.all(
    jobs.map(({ job, user }) => h.waitFor(user, job.id, hasStatus('CANCELLED'), 60_000)),
  );
  return { ...stats, owners };
}

describe('scheduler commands per poll cycle', () => {
  it('is one squeue for 1, 50 and 200 active jobs spread over 3 users', async () => {
    const one = await cycleWith(1);
    const fifty = await cycleWith(50);
    const twoHundred = await cycleWith(200);
    expect(one.watchedJobs).toBe(1);
    expect(fifty.watchedJobs).toBe(50);
    expect(twoHundred.watchedJobs).toBe(200);
    expect(fifty.owners).toEqual(new Set(USERS));
    expect(twoHundred.owners).toEqual(new Set(USERS));
    for (const cycle of [one, fifty, twoHundred]) {
      expect(cycle.commands).toBe(1);
      // Counted where commands are sent, not where the monitor thinks it sent them.
      expect(cycle.sshCommands).toBe(1);
    }
  }, 240_000);

  it('is still one squeue with a 1,000-task array running, its tasks counted on the job', async () => {
    const job = await h.submit('alice', {
      name: `poll-array-${Date.now()}`,
      command: 'sleep 30',
      array: { indices: '1-1000', maxParallel: 8 },
    });
    await expect
      .poll(
        async () => (await h.call('alice', 'GET', `/v3/jobs/${job.id}`)).body.tasks?.counts.RUNNING,
        { timeout: 60_000 },
      )
      .toBe(8);
    const monitor = h.app.jobs.monitor(h.system.id)!;
    const scheduler = h.app.systems.get(h.system.id)!.scheduler;
    await monitor.refresh();
    const sentBefore = scheduler.commandsSent;
    await monitor.refresh();
    expect(scheduler.commandsSent - sentBefore).toBe(1);
    expect(monitor.lastCycle!.commands).toBe(1);
    const counts = (await h.call('alice', 'GET', `/v3/jobs/${job.id}`)).body.tasks.counts;
    expect(counts).toMatchObject({ RUNNING: 8, PENDING: 992 });
    const res = await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, {});
    expect(res.status).toBeLessThan(300);
    const ended = await h.waitFor('alice', job.id, hasStatus('CANCELLED'), 60_000);
    expect(ended.tasks).toMatchObject({ counts: { CANCELED: 8, SKIPPED: 992 } });
  }, 120_000);
});
