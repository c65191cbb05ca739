import { sampleJob } from '@hpcgate/contract/testing';
import { describe, expect, it } from 'vitest';
import { changeFromRemote } from '../../src/jobs/remote-outcome.js';
import type { RemoteJob } from '../../src/scheduler/scheduler.js';
import type { JobRecord } from '../../src/store/job-store.js';

// Pure logic above the scheduler: what a job becomes given what Slurm says.
const job = (over: Partial<JobRecord> = {}): JobRecord => ({
  ...sampleJob({
    id: 'j',
    created: '2026-01-01T00:00:00.000Z',
    remoteStarted: '2026-01-01T00:00:01.000Z',
    lastUpdated: '2026-01-01T00:00:01.000Z',
  }),
  remoteDone: false,
  ...over,
});
const remote = (over: Partial<RemoteJob> = {}): RemoteJob => ({
  remoteJobId: '42',
  state: 'FAILED',
  phase: 'ended',
  outcome: 'failed',
  reason: null,
  exitCode: 0,
  exitSignal: 9,
  started: '2026-01-01T00:00:01.000Z',
  ended: '2026-01-01T00:00:10.000Z',
  gatewayJobId: 'j',
  remoteUser: 'alice',
  submitted: null,
  arrayTaskId: null,
  ...over,
});
const now = new Date('2026-01-01T00:01:00.000Z');
const stop = (outcome: 'REQUESTED' | 'SIGNALLED' | 'FAILED', signalledAt: string | null) => ({
  mode: 'force-stop' as const,
  requestedBy: 'o',
  requestedAt: '2026-01-01T00:00:09.000Z',
  signalledAt,
  outcome,
  message: null,
});

describe('changeFromRemote', () => {
  it('a job Slurm calls FAILED after a signalled force-stop is CANCELLED, Slurm’s word kept', () => {
    const c = changeFromRemote(
      job({ stopRequest: stop('SIGNALLED', '2026-01-01T00:00:09.500Z') }),
      remote(),
      now,
    )!;
    expect(c.steps!.map((s) => s.status)).toEqual(['CANCELLED']);
    expect(c.patch).toMatchObject({
      condition: 'FORCE_STOPPED_BY_USER',
      remoteState: 'FAILED',
      exitSignal: 9,
    });
    expect(c.patch!.stopRequest!.outcome).toBe('CONFIRMED');
  });

  it('a job that had ended before the signal keeps its own outcome: the stop was too late', () => {
    const c = changeFromRemote(
      job({ stopRequest: stop('SIGNALLED', '2026-01-01T00:00:12.000Z') }),
      remote({ state: 'COMPLETED', outcome: 'completed', exitSignal: 0 }),
      now,
    )!;
    expect(c.steps!.map((s) => s.status)).toEqual(['FINISHED']);
    expect(c.patch!.stopRequest!.outcome).toBe('TOO_LATE');
  });

  it('a stop that never reached Slurm does not relabel a natural end', () => {
    const c = changeFromRemote(
      job({ stopRequest: stop('FAILED', null) }),
      remote({ state: 'COMPLETED', outcome: 'completed', exitSignal: 0 }),
      now,
    )!;
    expect(c.patch!.condition).toBe('NORMAL_COMPLETION');
  });

  it("a stop whose sending was never recorded (crash after scancel) still ends the job as the user's", () => {
    // requestedAt 00:00:09, Slurm ended it at 00:00:10 as a stop would: the user's stop did it.
    const c = changeFromRemote(job({ stopRequest: stop('REQUESTED', null) }), remote(), now)!;
    expect(c.steps!.map((s) => s.status)).toEqual(['CANCELLED']);
    expect(c.patch).toMatchObject({ condition: 'FORCE_STOPPED_BY_USER' });
    expect(c.patch!.stopRequest!.outcome).toBe('CONFIRMED');
    const cancelled = changeFromRemote(
      job({ stopRequest: stop('REQUESTED', null) }),
      remote({ state: 'CANCELLED', outcome: 'cancelled', exitSignal: 0 }),
      now,
    )!;
    expect(cancelled.patch).toMatchObject({ condition: 'FORCE_STOPPED_BY_USER' });
  });

  it('an unsent stop does not claim a job that ended before it was asked for', () => {
    const c = changeFromRemote(
      job({ stopRequest: stop('REQUESTED', null) }),
      remote({
        state: 'CANCELLED',
        outcome: 'cancelled',
        exitSignal: 0,
        ended: '2026-01-01T00:00:05.000Z',
      }),
      now,
    )!;
    expect(c.patch).toMatchObject({ condition: 'SCHEDULER_CANCELLED' });
    expect(c.patch!.stopRequest!.outcome).toBe('TOO_LATE');
  });

  it('a queued job seen already finished went through RUNNING', () => {
    const c = changeFromRemote(
      job({ status: 'PENDING', remoteStarted: null }),
      remote({ state: 'COMPLETED', outcome: 'completed', exitSignal: 0 }),
      now,
    )!;
    expect(c.steps!.map((s) => s.status)).toEqual(['RUNNING', 'FINISHED']);
  });

  it('a queued job cancelled by someone else did not run', () => {
    const c = changeFromRemote(
      job({ status: 'PENDING', remoteStarted: null }),
      remote({ state: 'CANCELLED', outcome: 'cancelled', exitSignal: 0 }),
      now,
    )!;
    expect(c.steps!.map((s) => s.status)).toEqual(['CANCELLED']);
    expect(c.patch).toMatchObject({ condition: 'SCHEDULER_CANCELLED' });
    expect(c.patch!.remoteStarted).toBeUndefined();
  });

  it('a timeout is FAILED with SCHEDULER_TIMEOUT; nothing new is no change', () => {
    const t = changeFromRemote(
      job(),
      remote({ state: 'TIMEOUT', outcome: 'timeout', exitSignal: 0 }),
      now,
    )!;
    expect(t.patch).toMatchObject({ condition: 'SCHEDULER_TIMEOUT' });
    const same = changeFromRemote(
      job(),
      remote({
        state: 'RUNNING',
        phase: 'running',
        outcome: null,
        exitCode: null,
        exitSignal: null,
        ended: null,
      }),
      now,
    );
    expect(same).toBeNull();
  });

  it('a terminated job only waits for Slurm to confirm', () => {
    const terminated = job({
      status: 'CANCELLED',
      condition: 'TERMINATED_BY_USER',
      stopRequest: { ...stop('SIGNALLED', '2026-01-01T00:00:09.000Z'), mode: 'terminate' },
    });
    const c = changeFromRemote(
      terminated,
      remote({ state: 'CANCELLED', outcome: 'cancelled' }),
      now,
    )!;
    expect(c.steps).toBeUndefined();
    expect(c.patch).toMatchObject({ remoteDone: true, remoteState: 'CANCELLED' });
  });
});
