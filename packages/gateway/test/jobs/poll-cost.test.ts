import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// The monitor's cost per poll cycle does not grow with the number of active jobs.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

async function cycleWith(
  n: number,
): Promise<{ watchedJobs: number; commands: number; sshCommands: number }> {
  const jobs = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      h.submit('dave', { name: `poll-${n}-${i}`, script: '#!/bin/bash\nsleep 120\n' }),
    ),
  );
  await Promise.all(jobs.map((j) => h.waitFor('dave', j.id, hasStatus('RUNNING'), 60_000)));
  const monitor = h.app.jobs.monitor(h.system.id)!;
  const scheduler = h.app.systems.get(h.system.id)!.scheduler;
  // A fresh cycle first, so that the measured one sees every job settled as RUNNING.
  await monitor.refresh();
  const sentBefore = scheduler.commandsSent;
  await monitor.refresh();
  const sshCommands = scheduler.commandsSent - sentBefore;
  const stats = { ...monitor.lastCycle!, sshCommands };
  await Promise.all(jobs.map((j) => h.call('dave', 'POST', `/v3/jobs/${j.id}/cancel`)));
  await Promise.all(
    jobs.map((j) => h.waitFor('dave', j.id, hasStatus('CANCELLED', 'FAILED', 'FINISHED'))),
  );
  return stats;
}

describe('scheduler commands per poll cycle', () => {
  it('is the same for 1 active job and for 50 (one squeue for all)', async () => {
    const one = await cycleWith(1);
    const fifty = await cycleWith(50);
    expect(one.watchedJobs).toBe(1);
    expect(fifty.watchedJobs).toBe(50);
    expect(one.commands).toBe(1);
    expect(fifty.commands).toBe(one.commands);
    // Counted where commands are sent, not where the monitor thinks it sent them.
    expect(one.sshCommands).toBe(1);
    expect(fifty.sshCommands).toBe(1);
  });
});
