import { MAX_LIST_LIMIT } from '@hpcgate/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JobRecord, LIST_PAGE_BYTES } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, newestFirst, record } from './fixtures.js';

const KiB = 1024;

async function listAll(store: SqliteJobStore, limit: number) {
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

  it('stops a page at about 1 MiB of jobs and gives a cursor to go on', async () => {
    const jobs = await createMany(store, 12, (i) =>
      record(i, { script: `#!/bin/bash\n${'x'.repeat(300 * KiB)}`, command: null }),
    );
    const first = await store.list('alice', { limit: 100 });
    // 300 KiB each: three fit in 1 MiB, a fourth does not.
    expect(first.jobs).toHaveLength(3);
    expect(first.nextCursor).not.toBeNull();
    expect(JSON.stringify(first.jobs).length).toBeLessThanOrEqual(LIST_PAGE_BYTES);

    const pages = await listAll(store, 100);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 3]);
    expect(pages.flat().map((j) => j.id)).toEqual(newestFirst(jobs));
    expect(pages.flat()[0]!.script).toHaveLength(300 * KiB + 12);
  });

  it('always gives at least one job, however big', async () => {
    const jobs = await createMany(store, 3, (i) =>
      record(i, {
        script: 'y'.repeat(1024 * KiB),
        command: null,
        env: { BIG: 'z'.repeat(60 * KiB) },
      }),
    );
    const pages = await listAll(store, 100);
    expect(pages.map((p) => p.length)).toEqual([1, 1, 1]);
    expect(pages.flat().map((j) => j.id)).toEqual(newestFirst(jobs));
  });

  it('mixes small and big jobs within the budget', async () => {
    const jobs = await createMany(store, 40, (i) =>
      record(i, i % 10 === 0 ? { script: 'x'.repeat(400 * KiB), command: null } : {}),
    );
    const pages = await listAll(store, 100);
    expect(pages.flat().map((j) => j.id)).toEqual(newestFirst(jobs));
    for (const page of pages) {
      expect(JSON.stringify(page).length).toBeLessThanOrEqual(LIST_PAGE_BYTES + 10 * KiB);
    }
    expect(pages.length).toBeGreaterThan(1);
  });

  it('still bounds a page by count, and says nothing more is left on the last page', async () => {
    const jobs = await createMany(store, MAX_LIST_LIMIT + 20, (i) => record(i));
    const first = await store.list('alice', { limit: MAX_LIST_LIMIT });
    expect(first.jobs).toHaveLength(MAX_LIST_LIMIT);
    expect(first.nextCursor).not.toBeNull();
    const second = await store.list('alice', { limit: MAX_LIST_LIMIT, cursor: first.nextCursor! });
    expect(second.jobs).toHaveLength(20);
    expect(second.nextCursor).toBeNull();
    expect([...first.jobs, ...second.jobs].map((j) => j.id)).toEqual(newestFirst(jobs));
    const exact = await store.list('alice', { limit: MAX_LIST_LIMIT + 20 });
    expect(exact.nextCursor).toBeNull();
  });

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
