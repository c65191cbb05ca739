import { describe, expect, it } from 'vitest';
import { aggregateTasks, summarize, taskFromRemote } from '../../src/jobs/array-outcome.js';
import { fakeRemote } from '../fakes/fake-scheduler.js';

const task = (index: number, over: Parameters<typeof fakeRemote>[1] = {}) =>
  fakeRemote('77', { arrayTaskId: index, gatewayJobId: 'g', ...over });
const ended = (index: number, outcome: 'completed' | 'failed' | 'cancelled', over = {}) =>
  task(index, {
    phase: 'ended',
    outcome,
    state: outcome.toUpperCase(),
    exitCode: outcome === 'failed' ? 3 : 0,
    started: '2026-01-01T00:00:01.000Z',
    ended: '2026-01-01T00:00:05.000Z',
    ...over,
  });

describe('taskFromRemote', () => {
  it('maps phases and outcomes to task statuses', () => {
    expect(taskFromRemote(task(1, { phase: 'queued', state: 'PENDING' })).status).toBe('PENDING');
    expect(taskFromRemote(task(1)).status).toBe('RUNNING');
    expect(taskFromRemote(ended(1, 'completed')).status).toBe('SUCCEEDED');
    expect(taskFromRemote(ended(1, 'failed')).status).toBe('FAILED');
  });

  it('a cancelled task is CANCELED if it ran, SKIPPED if Slurm only gave it a start time at its end', () => {
    expect(taskFromRemote(ended(1, 'cancelled')).status).toBe('CANCELED');
    const queuedThenCancelled = ended(2, 'cancelled', {
      started: '2026-01-01T00:00:05.000Z',
      ended: '2026-01-01T00:00:05.000Z',
    });
    expect(taskFromRemote(queuedThenCancelled).status).toBe('SKIPPED');
    // Seen running before: it ran, whatever the times say.
    expect(taskFromRemote(queuedThenCancelled, 'RUNNING').status).toBe('CANCELED');
    expect(taskFromRemote(ended(3, 'cancelled'), 'PENDING').status).toBe('SKIPPED');
  });
});

describe('summarize', () => {
  it('counts tasks by status; tasks Slurm does not show count as pending', () => {
    const rows = [ended(1, 'completed'), task(2)].map((t) => taskFromRemote(t));
    expect(summarize(5, rows)).toEqual({
      total: 5,
      counts: { PENDING: 3, RUNNING: 1, SUCCEEDED: 1, FAILED: 0, CANCELED: 0, SKIPPED: 0 },
    });
  });
});

describe('aggregateTasks', () => {
  it('queued until a task starts, running while any runs or waits after one started', () => {
    expect(aggregateTasks('77', [task(1, { phase: 'queued' })], 2).phase).toBe('queued');
    expect(
      aggregateTasks('77', [ended(1, 'completed'), task(2, { phase: 'queued' })], 2).phase,
    ).toBe('running');
  });

  it('ended once every task has: failed over cancelled over completed', () => {
    const done = aggregateTasks('77', [ended(1, 'completed'), ended(2, 'completed')], 2);
    expect(done).toMatchObject({
      phase: 'ended',
      outcome: 'completed',
      state: 'COMPLETED',
      exitCode: 0,
    });
    const failed = aggregateTasks('77', [ended(1, 'cancelled'), ended(2, 'failed')], 2);
    expect(failed).toMatchObject({ outcome: 'failed', exitCode: 3 });
    const cancelled = aggregateTasks('77', [ended(1, 'completed'), ended(2, 'cancelled')], 2);
    expect(cancelled.outcome).toBe('cancelled');
    // Not every task seen yet: not over.
    expect(aggregateTasks('77', [ended(1, 'completed')], 2).phase).toBe('running');
  });

  it('carries the tag, account and times of its tasks', () => {
    const a = aggregateTasks('77', [ended(1, 'completed'), ended(2, 'completed')], 2);
    expect(a).toMatchObject({
      remoteJobId: '77',
      arrayTaskId: null,
      gatewayJobId: 'g',
      remoteUser: 'alice',
      started: '2026-01-01T00:00:01.000Z',
      ended: '2026-01-01T00:00:05.000Z',
    });
  });
});
