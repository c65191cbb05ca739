import type { StopJobResult } from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';
import { describe, expect, it } from 'vitest';
import { describeSelector, summarizeStop } from '../../src/jobs/stop-summary.js';

const result = (outcome: StopJobResult['outcome'], i = 0): StopJobResult => ({
  jobId: sampleJob().id.replace(/.$/, String(i)),
  name: `nightly-${i}`,
  outcome,
  status: outcome === 'not_cancellable' ? 'FINISHED' : 'RUNNING',
  message: null,
  job: null,
});

describe('summarizeStop', () => {
  const nightly = { names: ['nightly-*'] };

  it('nothing matched, or every match had ended: NO_JOBS_RUNNING, naming the selector', () => {
    expect(summarizeStop(nightly, 'cancel', false, [])).toEqual({
      status: 'NO_JOBS_RUNNING',
      message: 'no job executions are currently running that match names=[nightly-*]',
    });
    expect(summarizeStop(nightly, 'cancel', true, [result('not_cancellable')])).toEqual({
      status: 'NO_JOBS_RUNNING',
      message:
        'no job executions are currently running that match names=[nightly-*] (1 matching job has already ended)',
    });
  });

  it('some ran: STOPPED (WOULD_STOP for whatIf), counting each outcome', () => {
    const mixed = [result('stopped', 1), result('error', 2), result('not_cancellable', 3)];
    expect(summarizeStop(nightly, 'terminate', false, mixed)).toEqual({
      status: 'STOPPED',
      message:
        'terminate requested for 1 of 2 job executions that match names=[nightly-*]; 1 could not be stopped (see results) (1 matching job has already ended)',
    });
    expect(summarizeStop(nightly, 'cancel', false, [result('stopped')]).message).toBe(
      'cancel requested for 1 job execution that match names=[nightly-*]',
    );
    expect(
      summarizeStop(nightly, 'cancel', true, [result('would_stop', 1), result('would_stop', 2)]),
    ).toEqual({
      status: 'WOULD_STOP',
      message: 'would cancel 2 job executions that match names=[nightly-*]',
    });
  });
});

describe('describeSelector', () => {
  it('names every criterion, cuts long lists, and shows control characters as ?', () => {
    const ids = Array.from({ length: 7 }, (_, i) => `id-${i}`);
    expect(
      describeSelector({
        ids,
        names: ['a\u001b[2Jb'],
        status: ['RUNNING'],
        execSystemId: 'sandbox',
        tags: ['x'],
        owner: 'bob',
      }),
    ).toBe(
      'ids=[id-0, id-1, id-2, id-3, id-4, … (+2 more)], names=[a?[2Jb], status=[RUNNING], execSystemId=sandbox, tags=[x], owner=bob',
    );
  });
});
