import type { JobEvent } from '@hpcgate/contract';
import { describe, expect, it } from 'vitest';
import { fresher, mergeEvents } from '../src/merge.js';
import { makeJob } from './fixtures.js';

const ev = (seq: number, event: JobEvent['event'] = 'STATUS_CHANGED'): JobEvent => ({
  seq,
  at: '2025-01-01T00:00:00.000Z',
  event,
  status: 'RUNNING',
  actor: null,
  description: `event ${seq}`,
});

describe('mergeEvents', () => {
  it('merges a replay into a read by seq, in order, once each', () => {
    const merged = mergeEvents([ev(1), ev(2), ev(3)], [ev(2), ev(4), ev(3), ev(5)]);
    expect(merged.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(mergeEvents([], [ev(3), ev(1)]).map((e) => e.seq)).toEqual([1, 3]);
  });
});

describe('fresher', () => {
  it('keeps the later of two reads of one job', () => {
    const old = makeJob({ lastUpdated: '2025-01-01T00:00:01.000Z' });
    const late = { ...old, lastUpdated: '2025-01-01T00:00:02.000Z', status: 'CANCELLED' as const };
    expect(fresher(old, late)).toBe(late);
    expect(fresher(late, old)).toBe(late);
    expect(fresher(null, old)).toBe(old);
  });
});
