import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// A job's wrapper announces its start and end in its account's jobs root, and the gateway,
// following that file, looks at the job at once: with whole poll cycles a minute apart, the job
// is still seen RUNNING and then FINISHED. A line naming another account's job is no reason to
// look at it.
let h: Harness;
beforeAll(async () => {
  h = await startHarness(
    { pollFastMs: 60_000, pollIdleMs: 60_000 },
    { outputs: { collect: false } },
  );
});
afterAll(() => h?.close());

describe('announced starts and ends', () => {
  it('are seen between whole poll cycles', async () => {
    const monitor = h.app.jobs.monitor(h.system.id)!;
    const job = await h.submit('alice', { name: 'announced', command: 'sleep 2' });
    // The submit's own whole cycle (which starts following alice's announcements) comes first.
    await expect.poll(() => monitor.cycles, { timeout: 30_000 }).toBeGreaterThan(0);
    const cycles = monitor.cycles;
    const running = await h.waitFor('alice', job.id, hasStatus('RUNNING', 'FINISHED'), 30_000);
    const done = await h.waitFor('alice', job.id, hasStatus('FINISHED'), 30_000);
    expect(done.remoteState).toBe('COMPLETED');
    expect(['RUNNING', 'FINISHED']).toContain(running.status);
    // Nothing but the announcements (and the looks they asked for) moved the job.
    expect(monitor.cycles).toBe(cycles);
  }, 60_000);

  it("only ever make the gateway look at the announcing account's own jobs", async () => {
    const monitor = h.app.jobs.monitor(h.system.id)!;
    const scheduler = h.app.systems.get(h.system.id)!.scheduler;
    const alices = await h.submit('alice', {
      name: 'held',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    const bobs = await h.submit('bob', {
      name: 'held',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    await h.waitFor('alice', alices.id, hasStatus('PENDING'), 30_000);
    await h.waitFor('bob', bobs.id, hasStatus('PENDING'), 30_000);
    // Both accounts followed: the cycle after the submits named them.
    await expect.poll(() => monitor.cycles, { timeout: 30_000 }).toBeGreaterThan(0);
    const file = '"$HOME"/hpcgate/jobs/.hpcgate-announce';
    /** Remote commands sent from just before `line` is announced (as bob) until 600 ms after. */
    const looksAfter = async (line: string) => {
      const before = scheduler.commandsSent;
      await h.as('bob').exec(`printf '%s\\n' '${line}' >> ${file}`);
      await new Promise((r) => setTimeout(r, 600));
      return scheduler.commandsSent - before;
    };
    // bob announces alice's job: nothing is looked at.
    expect(await looksAfter(`start ${alices.id} 1`)).toBe(0);
    // bob announces his own: it is looked at, once (it is still held: the hint was wrong).
    expect(await looksAfter(`start ${bobs.id} 1`)).toBe(1);
    // Garbage is ignored.
    expect(await looksAfter(`end ${bobs.id}; id 1`)).toBe(0);
    expect(await looksAfter('start ../../x 1')).toBe(0);
  }, 90_000);
});
