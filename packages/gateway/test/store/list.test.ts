import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, record } from './fixtures.js';

const _KiB = 1024;

async function _listAll(store: SqliteJobStore, limit: number) {
  const pages: JobRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list('alice', { limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.jobs);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 1000);
  return pages;
}

describe('SqliteJobStore.list pages by size as well as by count', () => {
  let store: SqliteJobStore;
  beforeEach(() => {
    store = new SqliteJobStore(':memory:');
  });
  afterEach(() => store.close());

  it('filters as before', async () => {
    await createMany(store, 6, (i) =>
      record(i, {
        name: i < 3 ? `exp-${i}` : `other-${i}`,
        status: i % 2 ? 'RUNNING' : 'PENDING',
        tags: i === 0 ? ['a', 'b'] : ['a'],
      }),
    );
    const names = async (f: Partial<Parameters<SqliteJobStore['list']>[1]>) =>
      (await store.list('alice', { limit: 100, ...f })).jobs.map((j) => j.name);
    expect(await names({ name: 'exp-*' })).toEqual(['exp-2', 'exp-1', 'exp-0']);
    expect(await names({ status: ['RUNNING'] })).toEqual(['other-5', 'other-3', 'exp-1']);
    expect(await names({ tags: ['a', 'b'] })).toEqual(['exp-0']);
    expect(await names({ status: [] })).toEqual([]);
    expect(await store.list('bob', { limit: 100 })).toEqual({ jobs: [], nextCursor: null });
  });
});
