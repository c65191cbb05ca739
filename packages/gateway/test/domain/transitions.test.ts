import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, stepsTo } from '../../src/domain/transitions.js';

describe('the lifecycle table', () => {
  it('allows exactly the contract’s transitions', () => {
    expect(canTransition('PROCESSING_INPUTS', 'PENDING')).toBe(true);
    expect(canTransition('PROCESSING_INPUTS', 'FAILED')).toBe(true);
    expect(canTransition('PENDING', 'RUNNING')).toBe(true);
    expect(canTransition('RUNNING', 'FINISHED')).toBe(true);
    expect(canTransition('PROCESSING_INPUTS', 'RUNNING')).toBe(false);
    expect(canTransition('PENDING', 'FINISHED')).toBe(false);
    expect(canTransition('RUNNING', 'PENDING')).toBe(false);
    for (const end of ['FINISHED', 'FAILED', 'CANCELLED'] as const) {
      expect(() => assertTransition('j', end, 'RUNNING')).toThrow(/not a lifecycle transition/);
    }
  });

  it('fills in the steps a job took between two polls', () => {
    expect(stepsTo('PROCESSING_INPUTS', 'FINISHED', { reachedScheduler: true, ran: true })).toEqual(
      ['PENDING', 'RUNNING', 'FINISHED'],
    );
    expect(stepsTo('PENDING', 'CANCELLED', { reachedScheduler: true, ran: false })).toEqual([
      'CANCELLED',
    ]);
    expect(stepsTo('RUNNING', 'RUNNING', { reachedScheduler: true, ran: true })).toEqual([]);
  });
});
