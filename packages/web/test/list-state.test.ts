import { describe, expect, it } from 'vitest';
import { appendPage, type ListState, upsertJob } from '../src/list-state.js';
import { makeJob } from './fixtures.js';

const at = (minute: number) => `2025-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;

describe('upsertJob', () => {
  const a = makeJob({ created: at(30) });
  const b = makeJob({ created: at(20) });
  const state: ListState = { jobs: [a, b], nextCursor: null };

  it('updates a listed job in place, even if it no longer matches', () => {
    const moved = { ...b, status: 'CANCELLED' as const, lastUpdated: at(59) };
    const next = upsertJob(state, moved, false);
    expect(next.jobs.map((j) => j.id)).toEqual([a.id, b.id]);
    expect(next.jobs[1]?.status).toBe('CANCELLED');
  });

  it('keeps the newer read when an older one arrives late', () => {
    const newer = { ...a, status: 'CANCELLED' as const, lastUpdated: at(50) };
    const older = { ...a, status: 'RUNNING' as const, lastUpdated: at(40) };
    const next = upsertJob(upsertJob(state, newer, true), older, true);
    expect(next.jobs[0]?.status).toBe('CANCELLED');
  });

  it('puts a new matching job on top, and ignores one that does not match', () => {
    const fresh = makeJob({ created: at(45) });
    expect(upsertJob(state, fresh, true).jobs.map((j) => j.id)).toEqual([fresh.id, a.id, b.id]);
    expect(upsertJob(state, fresh, false)).toBe(state);
  });

  it('puts an older new job in its place by creation time', () => {
    const between = makeJob({ created: at(25) });
    expect(upsertJob(state, between, true).jobs.map((j) => j.id)).toEqual([a.id, between.id, b.id]);
  });

  it('leaves a job older than every loaded one to "Load more" while pages remain', () => {
    const old = makeJob({ created: at(1) });
    expect(upsertJob({ ...state, nextCursor: 'c' }, old, true).jobs).toHaveLength(2);
    expect(upsertJob(state, old, true).jobs.at(-1)?.id).toBe(old.id);
  });
});

describe('appendPage', () => {
  it('appends the next page without showing a job twice', () => {
    const a = makeJob();
    const b = makeJob();
    const c = makeJob();
    const next = appendPage({ jobs: [a, b], nextCursor: 'c1' }, { jobs: [b, c], nextCursor: null });
    expect(next.jobs.map((j) => j.id)).toEqual([a.id, b.id, c.id]);
    expect(next.nextCursor).toBeNull();
  });
});
