import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SUBMITTER_TIMINGS } from '../../src/jobs/submitter.js';
import { SchedulerCommandError, SchedulerTimeoutError } from '../../src/scheduler/errors.js';
import { fakeCore } from '../fakes/fake-jobs.js';
import { FakeScheduler } from '../fakes/fake-scheduler.js';

// Submissions whose answer never came, or that Slurm could not take yet, over a FAKE scheduler:
// each sbatch run is counted in the store (a restart keeps the count), a job is run again only
// when the listing shows no job with its tag, a copy landing after the job gave up is
// cancelled, a controller that cannot be reached is retried for a bounded time, and a refusal is
// final. The gateway's clock is faked (Date only); timers are real unless a test says otherwise.

const SETTLE_MS = 60_000;
const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const alice = { username: 'alice', isAdmin: false };

/** The job core over a store in `path` (a file survives the core: a restart is a new core). */
function core(path: string, scheduler = new FakeScheduler('fake')) {
  const c = fakeCore({ path, scheduler, settleMs: SETTLE_MS });
  /** One poll and its reconciliation, and whatever submission it started. */
  const cycle = async () => {
    const r = await c.cycle();
    await c.locks.settle();
    return r;
  };
  return { ...c, cycle };
}

const noAnswer = () => new SchedulerTimeoutError('fake', 'command timed out after 20000 ms');
const controllerDown = () =>
  new SchedulerCommandError(
    'fake',
    'sbatch failed on fake (exit 1): sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)',
    1,
    'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)',
  );

let dir: string;
let now: number;
/** Moves the gateway's clock by `ms`. */
const later = (ms: number) => {
  now += ms;
  vi.setSystemTime(now);
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  now = T0;
  vi.setSystemTime(now);
  dir = mkdtempSync(join(tmpdir(), 'hpcgate-submission-'));
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a submission whose answer never came', () => {
  it('counts every sbatch run in the store before it runs: a restart keeps the count', async () => {
    const path = join(dir, 'gateway.db');
    const a = core(path);
    for (let i = 0; i < 4; i++) a.scheduler.submitFaults.push({ error: noAnswer() });
    const id = await a.accept();
    expect(await a.get(id)).toMatchObject({
      status: 'PROCESSING_INPUTS',
      submitAttempts: { count: 1, unanswered: 1 },
    });
    expect((await a.get(id)).lastMessage).toMatch(
      /outcome unknown .* asked for the job before it is submitted again/,
    );
    // Not run again before the run had time to show up in the listing.
    later(SETTLE_MS - 1_000);
    await a.cycle();
    expect(a.scheduler.submitted).toHaveLength(1);
    for (let run = 2; run <= 4; run++) {
      later(SETTLE_MS + 1_000);
      await a.cycle();
      expect(a.scheduler.submitted).toHaveLength(run);
    }
    expect((await a.get(id)).submitAttempts).toMatchObject({ count: 4, unanswered: 4 });
    await a.close();

    // A new gateway on the same file: one more unanswered run is the fifth, and the last.
    const b = core(path);
    b.scheduler.submitFaults.push({ error: noAnswer() });
    expect((await b.get(id)).submitAttempts).toMatchObject({ count: 4, unanswered: 4 });
    later(SETTLE_MS + 1_000);
    await b.cycle();
    expect(b.scheduler.submitted).toHaveLength(1);
    const failed = await b.get(id);
    expect(failed).toMatchObject({
      status: 'FAILED',
      condition: 'SUBMISSION_FAILED',
      // Still watched: one of the runs may land yet.
      remoteDone: false,
      submitAttempts: { count: 5, unanswered: 5 },
    });
    expect(failed.lastMessage).toMatch(
      /sbatch gave no answer 5 times.*should Slurm queue it after all, that copy will be cancelled/,
    );
    await b.close();
  });

  it('is never run again while the listing shows a job with its tag, across a restart too', async () => {
    const path = join(dir, 'gateway.db');
    const a = core(path);
    // The remote sbatch is still going when the gateway stops waiting.
    a.scheduler.submitFaults.push({ error: noAnswer(), queued: 'later' });
    const id = await a.accept();
    await a.close();
    // The cluster outlives the gateway; the run's job lands while a new one starts.
    const b = core(path, a.scheduler);
    const [late] = a.scheduler.landLate();
    later(10 * SETTLE_MS);
    await b.cycle();
    await b.cycle();
    expect(b.scheduler.submitted).toHaveLength(1);
    expect(await b.get(id)).toMatchObject({ status: 'RUNNING', remoteJobId: late });
    await b.close();
  });

  it('a copy landing after the job gave up is cancelled; the job is let go after the watch', async () => {
    const c = core(join(dir, 'gateway.db'));
    for (let i = 0; i < 4; i++) c.scheduler.submitFaults.push({ error: noAnswer() });
    c.scheduler.submitFaults.push({ error: noAnswer(), queued: 'later' });
    const id = await c.accept();
    for (let i = 0; i < 4; i++) {
      later(SETTLE_MS + 1_000);
      await c.cycle();
    }
    expect(await c.get(id)).toMatchObject({ status: 'FAILED', remoteDone: false });
    expect(c.scheduler.submitted).toHaveLength(5);
    // Nothing carries its tag yet: nothing is signalled, the job stays watched.
    later(60_000);
    await c.cycle();
    expect(c.scheduler.signals).toEqual([]);
    // The fifth run's job lands late.
    const [late] = c.scheduler.landLate();
    later(60_000);
    await c.cycle();
    expect(c.scheduler.signals).toEqual([
      { targets: [{ remoteJobId: late, gatewayJobId: id }], mode: 'cancel', account: 'alice' },
    ]);
    // The job keeps its outcome; the copy never becomes it.
    expect(await c.get(id)).toMatchObject({
      status: 'FAILED',
      condition: 'SUBMISSION_FAILED',
      remoteJobId: null,
    });
    // Slurm ends the copy; once no run can land any more the job is let go.
    c.scheduler.jobs.set(late!, {
      ...c.scheduler.jobs.get(late!)!,
      state: 'CANCELLED',
      phase: 'ended',
      outcome: 'cancelled',
    });
    await c.cycle();
    expect((await c.get(id)).remoteDone).toBe(false);
    later(SUBMITTER_TIMINGS.lateArrivalWatchMs);
    await c.cycle();
    expect((await c.get(id)).remoteDone).toBe(true);
    expect(c.scheduler.signals).toHaveLength(1);
    expect(c.scheduler.submitted).toHaveLength(5);
    await c.close();
  });

  it('stopped before it reached Slurm, it stays watched, and a copy that lands is stopped', async () => {
    const c = core(join(dir, 'gateway.db'));
    c.scheduler.submitFaults.push({ error: noAnswer(), queued: 'later' });
    const id = await c.accept();
    await c.stopper.request(alice, await c.get(id), 'cancel');
    later(SETTLE_MS + 1_000);
    await c.cycle();
    expect(await c.get(id)).toMatchObject({ status: 'CANCELLED', remoteDone: false });
    expect(c.scheduler.submitted).toHaveLength(1);
    const [late] = c.scheduler.landLate();
    await c.cycle();
    await c.cycle();
    await c.locks.settle();
    expect(await c.get(id)).toMatchObject({ status: 'CANCELLED', remoteJobId: late });
    expect(c.scheduler.signals.map((s) => s.targets)).toContainEqual([
      { remoteJobId: late, gatewayJobId: id },
    ]);
    await c.close();
  });
});

describe('a submission Slurm could not take yet', () => {
  it('is retried with a growing pause, saying so, and fails after the bound', async () => {
    const c = core(join(dir, 'gateway.db'));
    for (let i = 0; i < 100; i++) c.scheduler.submitFaults.push({ error: controllerDown() });
    const id = await c.accept();
    const waiting = await c.get(id);
    expect(waiting).toMatchObject({
      status: 'PROCESSING_INPUTS',
      submitAttempts: { count: 1, unanswered: 0 },
    });
    expect(waiting.lastMessage).toMatch(
      /Slurm did not take the job yet \(.*Unable to contact slurm controller.*\); the submission will be retried until 2026-11-23T10:10:00.000Z/,
    );
    // The first pause is 5 s, then 10 s.
    later(4_000);
    await c.cycle();
    expect(c.scheduler.submitted).toHaveLength(1);
    later(1_500);
    await c.cycle();
    expect(c.scheduler.submitted).toHaveLength(2);
    later(9_000);
    await c.cycle();
    expect(c.scheduler.submitted).toHaveLength(2);
    later(1_500);
    await c.cycle();
    expect(c.scheduler.submitted).toHaveLength(3);
    // Every cycle for the rest of the 10 minutes: the pauses grow to a minute, no faster.
    while (now < T0 + SUBMITTER_TIMINGS.retryForMs - 5_000) {
      later(5_000);
      await c.cycle();
    }
    const runs = c.scheduler.submitted.length;
    expect(runs).toBeGreaterThan(8);
    expect(runs).toBeLessThan(16);
    expect((await c.get(id)).status).toBe('PROCESSING_INPUTS');
    later(10_000);
    await c.cycle();
    const failed = await c.get(id);
    expect(failed).toMatchObject({
      status: 'FAILED',
      condition: 'SUBMISSION_FAILED',
      // No run went unanswered: nothing can land, nothing to watch.
      remoteDone: true,
    });
    expect(failed.lastMessage).toMatch(/Slurm did not take the job within 10 minutes/);
    await c.cycle();
    expect(c.scheduler.submitted.length).toBeLessThanOrEqual(runs + 1);
    await c.close();
  });

  it('fails at the deadline even while no poll succeeds', async () => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    const c = core(join(dir, 'gateway.db'));
    c.scheduler.submitFaults.push({ error: controllerDown() });
    const id = await c.accept();
    // The cluster stays away: no cycle runs, only the Submitter's own deadline.
    await vi.advanceTimersByTimeAsync(SUBMITTER_TIMINGS.retryForMs - 1_000);
    expect((await c.get(id)).status).toBe('PROCESSING_INPUTS');
    await vi.advanceTimersByTimeAsync(2_000);
    await c.locks.settle();
    expect(await c.get(id)).toMatchObject({ status: 'FAILED', condition: 'SUBMISSION_FAILED' });
    expect(c.scheduler.submitted).toHaveLength(1);
    await c.close();
  });

  it('a controller that answers again takes the job', async () => {
    const c = core(join(dir, 'gateway.db'));
    c.scheduler.submitFaults.push({ error: controllerDown() }, { error: controllerDown() });
    const id = await c.accept();
    later(6_000);
    await c.cycle();
    later(11_000);
    await c.cycle();
    expect(c.scheduler.submitted).toHaveLength(3);
    expect(await c.get(id)).toMatchObject({
      status: 'PENDING',
      submitAttempts: { count: 3, unanswered: 0 },
    });
    await c.close();
  });
});

describe("sbatch's refusal", () => {
  it('is final at once, and nothing is watched', async () => {
    const c = core(join(dir, 'gateway.db'));
    const stderr = 'sbatch: error: Batch job submission failed: Invalid partition name specified';
    c.scheduler.submitFaults.push({
      error: new SchedulerCommandError(
        'fake',
        `sbatch failed on fake (exit 1): ${stderr}`,
        1,
        stderr,
      ),
    });
    const id = await c.accept();
    const failed = await c.get(id);
    expect(failed).toMatchObject({
      status: 'FAILED',
      condition: 'SUBMISSION_FAILED',
      remoteDone: true,
      submitAttempts: { count: 1, unanswered: 0 },
    });
    expect(failed.lastMessage).toMatch(/submission failed: .*Invalid partition name specified$/);
    later(SUBMITTER_TIMINGS.retryForMs);
    await c.cycle();
    expect(c.scheduler.submitted).toHaveLength(1);
    await c.close();
  });
});
