import type { JobStatus } from '@hpcgate/contract';
import { describe, expect, it } from 'vitest';
import { applicableModes, MODES, stopNotice, stopWasSent } from '../src/stop-modes.js';
import { makeJob } from './fixtures.js';

describe('applicableModes', () => {
  const single: [JobStatus, string[]][] = [
    ['PROCESSING_INPUTS', ['cancel', 'terminate']],
    ['PENDING', ['cancel', 'terminate']],
    ['RUNNING', ['interrupt', 'force-stop', 'terminate']],
    ['FINISHED', []],
    ['FAILED', []],
    ['CANCELLED', []],
  ];
  it.each(single)('a job of one part, %s: %j', (status, modes) => {
    expect(applicableModes(makeJob({ status }))).toEqual(modes);
  });

  it('offers drain to arrays and phased jobs that have not ended', () => {
    const array = { indices: '1-10' };
    expect(applicableModes(makeJob({ status: 'RUNNING', array }))).toEqual([
      'interrupt',
      'force-stop',
      'terminate',
      'drain',
    ]);
    expect(applicableModes(makeJob({ status: 'PENDING', array }))).toContain('drain');
    const phases = [{ name: 'a', command: 'true' }];
    expect(applicableModes(makeJob({ status: 'RUNNING', phases }))).toContain('drain');
    expect(applicableModes(makeJob({ status: 'CANCELLED', array }))).toEqual([]);
    expect(applicableModes(makeJob({ status: 'FINISHED', phases }))).toEqual([]);
  });

  it('names every mode with a label and one sentence', () => {
    for (const info of Object.values(MODES)) {
      expect(info.label).toMatch(/^[A-Z]/);
      expect(info.description.trim().endsWith('.')).toBe(true);
      expect(info.description.split('. ').length).toBe(1);
    }
    expect(MODES['force-stop'].label).toBe('Force stop');
  });
});

describe('stopWasSent', () => {
  it('is true once the gateway says the signal went out', () => {
    expect(stopWasSent(null)).toBe(false);
    expect(stopWasSent({ outcome: 'REQUESTED' })).toBe(false);
    expect(stopWasSent({ outcome: 'FAILED' })).toBe(false);
    expect(stopWasSent({ outcome: 'TOO_LATE' })).toBe(false);
    expect(stopWasSent({ outcome: 'SIGNALLED' })).toBe(true);
    expect(stopWasSent({ outcome: 'DRAINING' })).toBe(true);
    expect(stopWasSent({ outcome: 'CONFIRMED' })).toBe(true);
  });
});

describe('stopNotice', () => {
  it('says an interrupt was sent and the job is still in its status until that changes', () => {
    expect(stopNotice('interrupt', true, 'RUNNING', 'RUNNING')).toBe(
      'interrupt sent — job still RUNNING',
    );
    expect(stopNotice('interrupt', true, 'RUNNING', 'CANCELLED')).toBe(
      'interrupt sent — job now CANCELLED',
    );
  });

  it('shows the other modes with the status as it is now', () => {
    expect(stopNotice('force-stop', true, 'RUNNING', 'RUNNING')).toBe(
      'force-stop sent — job RUNNING',
    );
    expect(stopNotice('terminate', true, 'RUNNING', 'CANCELLED')).toBe(
      'terminate sent — job CANCELLED',
    );
  });

  it('says "requested" while the cluster has not been reached', () => {
    expect(stopNotice('cancel', false, 'PENDING', 'PENDING')).toBe(
      'cancel requested — job PENDING',
    );
    expect(stopNotice('interrupt', false, 'RUNNING', 'RUNNING')).toBe(
      'interrupt requested — job still RUNNING',
    );
  });
});
