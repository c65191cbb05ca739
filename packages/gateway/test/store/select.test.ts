import { MAX_BULK_STOP } from '@hpcgate/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JobRecord, TooManyJobsSelectedError } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, record } from './fixtures.js';

describe('SqliteJobStore.select', () => {
  let store: SqliteJobStore;
  beforeEach(() => {
    store = new SqliteJobStore(':memory:');
  });
  afterEach(() => store.close());

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
