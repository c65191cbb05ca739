import { describe, expect, it } from 'vitest';
import { JobAlreadyRunningError } from '../../src/domain/singleton.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { record } from './fixtures.js';

const created = { event: 'JOB_CREATED' as const, actor: 'alice', description: 'created' };
const linked = (id: string) => ({
  event: 'RESUBMITTED_AS' as const,
  actor: 'alice',
  description: `resubmitted as job ${id}`,
});

describe('SqliteJobStore: resubmissions', () => {
  it('links the old job to the new one in the insert’s transaction, or not at all', async () => {
    const store = new SqliteJobStore(':memory:');
    const old = record(1, { status: 'CANCELLED', exclusiveKey: 'k' });
    await store.create(old, created);
    const next = record(2, {
      status: 'PROCESSING_INPUTS',
      resubmittedFrom: old.id,
      exclusiveKey: 'k',
    });
    await store.create(next, created, linked(next.id));
    const after = await store.get(old.id);
    expect(after?.resubmittedAs).toBe(next.id);
    expect(after!.lastUpdated > old.lastUpdated).toBe(true);
    expect((await store.history(old.id)).at(-1)).toMatchObject({
      event: 'RESUBMITTED_AS',
      status: 'CANCELLED',
      description: `resubmitted as job ${next.id}`,
    });
    expect((await store.get(next.id))?.resubmittedFrom).toBe(old.id);

    // A resubmission the key refuses leaves the old job as it was: still naming the first.
    const refused = record(3, {
      status: 'PROCESSING_INPUTS',
      resubmittedFrom: old.id,
      exclusiveKey: 'k',
    });
    await expect(store.create(refused, created, linked(refused.id))).rejects.toBeInstanceOf(
      JobAlreadyRunningError,
    );
    expect((await store.get(old.id))?.resubmittedAs).toBe(next.id);
    expect(await store.history(old.id)).toHaveLength(2);
    await store.close();
  });
});
