import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { createMany, record } from './fixtures.js';

describe('SqliteJobStore: hidden jobs', () => {
  it('list leaves hidden jobs out unless includeHidden; hiding changes neither lastUpdated nor history', async () => {
    const store = new SqliteJobStore(':memory:');
    const [a, b, c] = await createMany(store, 3, (i) => record(i));
    const before = await store.history(b!.id);
    const hidden = await store.setHidden(b!.id, true);
    expect(hidden).toMatchObject({ id: b!.id, hidden: true, lastUpdated: b!.lastUpdated });
    expect(await store.history(b!.id)).toEqual(before);

    const ids = async (includeHidden?: boolean) =>
      (await store.list('alice', { limit: 100, includeHidden })).jobs.map((j) => j.id);
    expect(await ids()).toEqual([c!.id, a!.id]);
    expect(await ids(false)).toEqual([c!.id, a!.id]);
    expect(await ids(true)).toEqual([c!.id, b!.id, a!.id]);
    // A bulk stop still selects it: hiding is about the list only.
    expect((await store.select('alice', { ids: [b!.id] })).map((j) => j.id)).toEqual([b!.id]);
    // An update of the job (the monitor's) keeps it hidden.
    await store.update(b!.id, { patch: { remoteState: 'RUNNING' } });
    expect((await store.get(b!.id))?.hidden).toBe(true);

    expect(await store.setHidden(b!.id, false)).toMatchObject({ hidden: false });
    expect(await ids()).toEqual([c!.id, b!.id, a!.id]);
    expect(await store.setHidden('00000000-0000-4000-8000-000000000000', true)).toBeUndefined();
    await store.close();
  });
});
