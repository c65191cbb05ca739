import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deepFreeze, RecordCache } from '../../src/store/sqlite/record-cache.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, record } from './fixtures.js';

describe('RecordCache', () => {
  const build = (n: number) => () => ({ n, nested: { list: [n] } });

  it('answers the same frozen record for the same texts, a new one for changed texts', () => {
    const cache = new RecordCache<{ n: number; nested: { list: number[] } }>(1024);
    const first = cache.of('a', ['x', null, 'y'], build(1), null);
    expect(cache.of('a', ['x', null, 'y'], build(2), null)).toBe(first);
    expect(Object.isFrozen(first.nested.list)).toBe(true);
    const changed = cache.of('a', ['x', 'z', 'y'], build(3), null);
    expect(changed).not.toBe(first);
    expect(changed.n).toBe(3);
  });

  it('is fresh only at the version it was checked at, never at an unknown one', () => {
    const cache = new RecordCache<object>(1024);
    cache.of('a', ['x'], build(1), null);
    expect(cache.fresh('a', 1)).toBeUndefined();
    const record = cache.of('a', ['x'], build(2), 1);
    expect(cache.fresh('a', 1)?.value).toBe(record);
    expect(cache.fresh('a', 1)?.bytes).toBe(1);
    expect(cache.fresh('a', 2)).toBeUndefined();
    expect(cache.fresh('b', 1)).toBeUndefined();
  });

  it('keeps at most its size in texts, dropping the least recently read', () => {
    const cache = new RecordCache<object>(10);
    cache.of('a', ['aaaa'], build(1), 1);
    cache.of('b', ['bbbb'], build(2), 1);
    cache.fresh('a', 1);
    cache.of('c', ['cccc'], build(3), 1);
    expect(cache.size).toBe(2);
    expect(cache.fresh('b', 1)).toBeUndefined();
    expect(cache.fresh('a', 1)).toBeDefined();
    // Bigger than the whole cache: answered, not kept.
    cache.of('d', ['d'.repeat(20)], build(4), 1);
    expect(cache.fresh('d', 1)).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('deepFreeze freezes nested objects and arrays', () => {
    const v = deepFreeze({ a: [{ b: 1 }], c: { d: null } });
    expect(Object.isFrozen(v.a[0])).toBe(true);
    expect(Object.isFrozen(v.c)).toBe(true);
  });
});

describe('SqliteJobStore reads through its record cache, never past a change', () => {
  let dir: string;
  let store: SqliteJobStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hpcgate-record-cache-'));
    store = new SqliteJobStore(join(dir, 'jobs.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers one frozen record while the row is unchanged', async () => {
    const [job] = await createMany(store, 1, (i) => record(i, { owner: 'alice' }));
    const first = await store.get(job!.id);
    expect(await store.get(job!.id)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first!.tags)).toBe(true);
    const page = await store.list('alice', { limit: 10 });
    expect(page.jobs[0]).toBe(first);
  });

  it('sees every write: update, hide (which keeps lastUpdated), a row changed by hand', async () => {
    const [job] = await createMany(store, 1, (i) => record(i, { owner: 'alice' }));
    const id = job!.id;
    await store.get(id);
    await store.update(id, { patch: { lastMessage: 'one' } });
    expect((await store.get(id))!.lastMessage).toBe('one');
    await store.setHidden(id, true);
    expect((await store.get(id))!.hidden).toBe(true);
    store.database.prepare("UPDATE jobs SET name = 'by-hand' WHERE id = ?").run(id);
    expect((await store.get(id))!.name).toBe('by-hand');
    expect((await store.list('alice', { limit: 10, includeHidden: true })).jobs[0]!.name).toBe(
      'by-hand',
    );
  });

  it("sees another connection's commits", async () => {
    const [job] = await createMany(store, 1, (i) => record(i, { owner: 'alice' }));
    const id = job!.id;
    expect((await store.get(id))!.name).toBe(job!.name);
    expect((await store.list('alice', { limit: 10 })).jobs[0]!.name).toBe(job!.name);
    const other = new Database(join(dir, 'jobs.db'));
    try {
      other.prepare("UPDATE jobs SET name = 'elsewhere' WHERE id = ?").run(id);
    } finally {
      other.close();
    }
    expect((await store.get(id))!.name).toBe('elsewhere');
    expect((await store.list('alice', { limit: 10 })).jobs[0]!.name).toBe('elsewhere');
  });

  it('never keeps what a transaction read after its writes and then rolled back', async () => {
    const [job] = await createMany(store, 1, (i) => record(i, { owner: 'alice' }));
    const id = job!.id;
    await store.get(id);
    const db = store.database;
    expect(() =>
      db.transaction(() => {
        db.prepare("UPDATE jobs SET name = 'rolled-back' WHERE id = ?").run(id);
        // Read inside the transaction (it runs synchronously): the uncommitted name.
        void store.get(id);
        void store.list('alice', { limit: 10 });
        throw new Error('undo');
      })(),
    ).toThrow('undo');
    expect((await store.get(id))!.name).toBe(job!.name);
    expect((await store.list('alice', { limit: 10 })).jobs[0]!.name).toBe(job!.name);
  });

  it('forgets a deleted job', async () => {
    const [job] = await createMany(store, 1, (i) => record(i, { owner: 'alice' }));
    await store.get(job!.id);
    store.database.prepare('DELETE FROM jobs WHERE id = ?').run(job!.id);
    expect(await store.get(job!.id)).toBeUndefined();
    expect((await store.list('alice', { limit: 10 })).jobs).toEqual([]);
  });
});
