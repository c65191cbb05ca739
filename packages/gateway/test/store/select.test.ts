import { MAX_BULK_STOP } from '@hpcgate/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JobRecord, TooManyJobsSelectedError } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, newestFirst, record } from './fixtures.js';

describe('SqliteJobStore.select', () => {
  let store: SqliteJobStore;
  beforeEach(() => {
    store = new SqliteJobStore(':memory:');
  });
  afterEach(() => store.close());

  it('selects by 10,000 ids (the schema maximum): only the owner’s, newest first', async () => {
    // Interleaved in time so that order and ownership are both tested.
    const alice = await createMany(store, 10_000, (i) =>
      record(2 * i, { status: i % 10 === 0 ? 'PENDING' : 'RUNNING' }),
    );
    const bob = await createMany(store, 500, (i) => record(2 * i + 1, { owner: 'bob' }));
    // 9,500 of alice's ids and all 500 of bob's: 10,000 ids in all.
    const asked = [...alice.slice(0, 9_500), ...bob];
    const ids = asked.map((j) => j.id);
    expect(ids).toHaveLength(MAX_BULK_STOP);

    const selected = await store.select('alice', { ids });
    expect(selected.map((j) => j.id)).toEqual(newestFirst(alice.slice(0, 9_500)));
    expect(selected.every((j) => j.owner === 'alice')).toBe(true);

    // With a second criterion, both must hold.
    const pending = await store.select('alice', { ids, status: ['PENDING'] });
    expect(pending.map((j) => j.id)).toEqual(
      newestFirst(alice.slice(0, 9_500).filter((j) => j.status === 'PENDING')),
    );
    expect(await store.select('bob', { ids })).toHaveLength(500);
  });

  describe('a criterion given empty selects nothing (never "any")', () => {
    beforeEach(async () => {
      await createMany(store, 5, (i) => record(i, { tags: ['sweep'] }));
    });
    it.each([
      ['ids', { ids: [] }],
      ['status', { status: [] }],
      ['names', { names: [] }],
      ['tags', { tags: [] }],
      ['execSystemId', { execSystemId: '' }],
      ['an empty one beside a matching one', { status: ['RUNNING' as const], tags: [] }],
    ])('%s', async (_what, selector) => {
      expect(await store.select('alice', selector)).toEqual([]);
    });
  });

  it('matches names (patterns, any of), status (any of), tags (all of) and the system', async () => {
    const jobs = await createMany(store, 6, (i) =>
      record(i, {
        name: ['exp-1', 'exp-2', 'exp-[x]', 'other', 'exp-3', 'expo'][i]!,
        status: i % 2 === 0 ? 'PENDING' : 'RUNNING',
        tags: [['a', 'b'], ['a'], ['b'], ['a', 'b', 'c'], [], ['a', 'b']][i]!,
        execSystemId: i === 4 ? 'other-cluster' : 'cluster',
      }),
    );
    const ids = async (s: Parameters<SqliteJobStore['select']>[1]) =>
      (await store.select('alice', s)).map((j) => j.name).sort();
    expect(await ids({ names: ['exp-*'] })).toEqual(['exp-1', 'exp-2', 'exp-3', 'exp-[x]']);
    // Only `*` is special: `[x]` is literal.
    expect(await ids({ names: ['exp-[x]', 'other'] })).toEqual(['exp-[x]', 'other']);
    expect(await ids({ names: ['exp-?'] })).toEqual([]);
    expect(await ids({ status: ['RUNNING'] })).toEqual(['exp-2', 'expo', 'other']);
    expect(await ids({ status: ['RUNNING', 'PENDING'] })).toHaveLength(6);
    expect(await ids({ tags: ['a', 'b'] })).toEqual(['exp-1', 'expo', 'other']);
    expect(await ids({ tags: ['c'] })).toEqual(['other']);
    expect(await ids({ execSystemId: 'other-cluster' })).toEqual(['exp-3']);
    expect(await ids({ names: ['exp-*'], tags: ['b'], status: ['PENDING'] })).toEqual([
      'exp-1',
      'exp-[x]',
    ]);
    expect(jobs).toHaveLength(6);
  });

  it(`refuses a selection of more than ${MAX_BULK_STOP} jobs, with the count and the cap`, async () => {
    const jobs: JobRecord[] = await createMany(store, MAX_BULK_STOP + 1, (i) => record(i));
    const err = await store.select('alice', { status: ['RUNNING'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TooManyJobsSelectedError);
    expect(err).toMatchObject({ count: MAX_BULK_STOP + 1, max: MAX_BULK_STOP });
    expect((err as Error).message).toMatch(/10001 jobs.*10000/);
    // Exactly the cap is fine.
    const ids = jobs.slice(1).map((j) => j.id);
    expect(await store.select('alice', { ids, status: ['RUNNING'] })).toHaveLength(MAX_BULK_STOP);
  });
});
