import type { ListJobsFilter } from '@hpcgate/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/store/job-store.js';
import {
  pageIdsQuery,
  prefixEnd,
  SqliteJobStore,
} from '../../src/store/sqlite/sqlite-job-store.js';
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

describe('SqliteJobStore.list: the index each filter reads, with statistics or without', () => {
  let store: SqliteJobStore;
  beforeEach(async () => {
    store = new SqliteJobStore(':memory:');
    // Enough jobs of a few owners for the planner to weigh its choices; create runs
    // synchronously inside the transaction.
    const pending: Promise<void>[] = [];
    store.database.transaction(() => {
      for (let i = 0; i < 3000; i++) {
        const job = record(i, { owner: ['alice', 'bob', 'carol'][i % 3]!, name: `prefix-${i}` });
        pending.push(store.create(job, { event: 'JOB_CREATED', actor: null, description: 'c' }));
      }
    })();
    await Promise.all(pending);
  });
  afterEach(() => store.close());

  const plan = (owner: string | null, filter: Partial<ListJobsFilter>) => {
    const { sql, params } = pageIdsQuery(owner, { limit: 100, ...filter });
    return (store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
      .map((r) => r.detail)
      .join(' / ');
  };

  // The gateway runs no ANALYZE: without statistics, a plain page must still come in
  // jobs_owner_created's order (the partial jobs_owner_name is not considered for it).
  it.each([
    ['without statistics', false],
    ['after ANALYZE', true],
  ])('%s', async (_label, analyze) => {
    if (analyze) store.database.exec('ANALYZE');
    const { nextCursor } = await store.list('alice', { limit: 10 });
    expect(plan('alice', {})).toBe('SEARCH jobs USING INDEX jobs_owner_created (owner=?)');
    expect(plan('alice', { includeHidden: true })).toBe(
      'SEARCH jobs USING COVERING INDEX jobs_owner_created (owner=?)',
    );
    expect(plan('alice', { cursor: nextCursor! })).toBe(
      'SEARCH jobs USING INDEX jobs_owner_created (owner=? AND (created,id)<(?,?))',
    );
    expect(plan(null, {})).toBe('SCAN jobs USING INDEX jobs_created');
    expect(plan('alice', { status: ['RUNNING'] })).not.toMatch(/jobs_owner_name/);
    // `*` is every name: no filter at all.
    expect(plan('alice', { name: '**' })).toBe(plan('alice', {}));
    // A literal prefix: a range of (owner, name), read without the rows.
    expect(plan('alice', { name: 'prefix-12*' })).toMatch(
      /^SEARCH jobs USING COVERING INDEX jobs_owner_name \(owner=\? AND name>\? AND name<\?\)/,
    );
    expect(plan('alice', { name: 'prefix-12' })).toMatch(
      /^SEARCH jobs USING COVERING INDEX jobs_owner_name \(owner=\? AND name=\? AND hidden=\?\)$/,
    );
    // No range: every entry of the owner's (or of all), never the rows in time order.
    expect(plan('alice', { name: '*-12' })).toMatch(
      /^SEARCH jobs USING COVERING INDEX jobs_owner_name \(owner=\? AND name>\?\)/,
    );
    // Every owner's: all the entries (with statistics, a skip-scan: a range per owner).
    expect(plan(null, { name: 'prefix-12*' })).toMatch(
      /^(SCAN|SEARCH) jobs USING COVERING INDEX jobs_owner_name\b/,
    );
    expect(plan('alice', { name: '*-12', status: ['RUNNING'] })).toMatch(/INDEX jobs_owner_name/);
  });
});

describe('SQLite name ranges past the last code points', () => {
  it('prefixEnd is the least string above every string with the prefix, in code point order', () => {
    expect(prefixEnd('exp-')).toBe('exp.');
    expect(prefixEnd('exp-1')).toBe('exp-2');
    expect(prefixEnd('é')).toBe('ê');
    expect(prefixEnd('a😀')).toBe('a😁');
    expect(prefixEnd('a\u{10FFFF}')).toBe('b');
    expect(prefixEnd('\u{10FFFF}\u{10FFFF}')).toBeUndefined();
    // After U+D7FF comes U+E000: the surrogates are no characters.
    expect(prefixEnd('a\uD7FF')).toBe('a\uE000');
    expect(prefixEnd('a\uD800')).toBeUndefined();
  });

  it('a pattern whose prefix ends in the last code point, or in an emoji, still finds its names', async () => {
    const store = new SqliteJobStore(':memory:');
    try {
      const names = ['x\u{10FFFF}1', 'x\u{10FFFF}\u{10FFFF}', 'y', 'x😀1', 'x😁', 'x\uFFFF'];
      await createMany(store, names.length, (i) => record(i, { name: names[i]! }));
      const found = async (name: string) =>
        (await store.list('alice', { limit: 100, name })).jobs.map((j) => j.name).sort();
      expect(await found('x\u{10FFFF}*')).toEqual(['x\u{10FFFF}1', 'x\u{10FFFF}\u{10FFFF}']);
      expect(await found('x😀*')).toEqual(['x😀1']);
      expect(await found('x*')).toEqual([...names.filter((n) => n.startsWith('x'))].sort());
    } finally {
      await store.close();
    }
  });
});
