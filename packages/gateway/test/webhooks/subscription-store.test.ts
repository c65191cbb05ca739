import { randomUUID } from 'node:crypto';
import { sampleJob } from '@hpcgate/contract/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { SqliteSubscriptionStore } from '../../src/store/sqlite/sqlite-subscription-store.js';
import type { NewDelivery, NewSubscription } from '../../src/store/subscription-store.js';

let jobs: SqliteJobStore;
let store: SqliteSubscriptionStore;
beforeEach(() => {
  jobs = new SqliteJobStore(':memory:');
  store = new SqliteSubscriptionStore(jobs.database);
});

const sub = (owner = 'alice', over: Partial<NewSubscription> = {}): NewSubscription => ({
  id: randomUUID(),
  owner,
  url: 'https://hooks.example.org/h',
  events: ['*'],
  jobId: null,
  selector: null,
  secret: 'sixteen-or-more-characters',
  created: new Date().toISOString(),
  ...over,
});

async function addEvent(owner = 'alice'): Promise<string> {
  const id = randomUUID();
  await jobs.create(
    { ...sampleJob({ id, owner }), remoteDone: false },
    { event: 'JOB_CREATED', actor: owner, description: 'created' },
  );
  return id;
}

const delivery = (subscriptionId: string, eventId: number, jobId: string): NewDelivery => ({
  id: randomUUID(),
  subscriptionId,
  eventId,
  jobId,
  event: 'JOB_CREATED',
  body: '{}',
  created: new Date().toISOString(),
  state: 'pending',
});

describe('SqliteSubscriptionStore', () => {
  it('a subscription starts after the last event written; the per-user bound counts that user only', async () => {
    await addEvent();
    await addEvent();
    const a = await store.create(sub(), 2);
    expect(a?.fromEventId).toBe(2);
    expect(await store.create(sub(), 2)).toBeDefined();
    expect(await store.create(sub(), 2)).toBeUndefined();
    expect(await store.create(sub('bob'), 2)).toBeDefined();
    expect((await store.list('alice', 10)).subscriptions).toHaveLength(2);
  });

  it('the cursor starts at the last event on the very first start, then stays where it was put', async () => {
    await addEvent();
    expect(await store.cursor()).toBe(1);
    await addEvent();
    expect(await store.cursor()).toBe(1);
    await store.addDeliveries([], 2);
    expect(await store.cursor()).toBe(2);
    // It never goes back.
    await store.addDeliveries([], 1);
    expect(await store.cursor()).toBe(2);
  });

  it('eventsAfter reads every owner’s events with their jobs', async () => {
    const a = await addEvent('alice');
    const b = await addEvent('bob');
    const events = await store.eventsAfter(0, 10);
    expect(events.map((e) => [e.id, e.jobId, e.job.owner])).toEqual([
      [1, a, 'alice'],
      [2, b, 'bob'],
    ]);
    expect(await store.eventsAfter(1, 10)).toHaveLength(1);
  });

  it('addDeliveries skips duplicates and deliveries of deleted subscriptions, in one go with the cursor', async () => {
    const jobId = await addEvent();
    const s = (await store.create(sub(), 10))!;
    const gone = (await store.create(sub(), 10))!;
    await store.delete(gone.id);
    const first = delivery(s.id, 1, jobId);
    const written = await store.addDeliveries([first, delivery(gone.id, 1, jobId)], 1);
    expect(written.map((d) => d.id)).toEqual([first.id]);
    // The same event for the same subscription again (a batch read twice): nothing new.
    expect(await store.addDeliveries([delivery(s.id, 1, jobId)], 1)).toEqual([]);
    expect((await store.pending()).map((d) => d.id)).toEqual([first.id]);
  });

  it('records attempts; a deleted subscription takes its deliveries and attempts with it', async () => {
    const jobId = await addEvent();
    const s = (await store.create(sub(), 10))!;
    const d = delivery(s.id, 1, jobId);
    await store.addDeliveries([d], 1);
    const at = new Date().toISOString();
    const attempt = { attempt: 1, at, statusCode: 500, error: 'HTTP 500', durationMs: 1 };
    expect(await store.recordAttempt(d.id, attempt, { state: 'pending', nextAttemptAt: at })).toBe(
      true,
    );
    const [logged] = (await store.deliveries(s.id, 10)).deliveries;
    expect(logged).toMatchObject({ state: 'pending', nextAttemptAt: at, attempts: [attempt] });
    await store.delete(s.id);
    expect(
      await store.recordAttempt(d.id, { ...attempt, attempt: 2 }, { state: 'delivered' }),
    ).toBe(false);
    expect((await store.deliveries(s.id, 10)).deliveries).toEqual([]);
    expect(await store.pending()).toEqual([]);
  });

  it('pages deliveries newest first; prunes finished ones only', async () => {
    const s = (await store.create(sub(), 10))!;
    const ds: NewDelivery[] = [];
    for (let i = 1; i <= 3; i++) ds.push(delivery(s.id, i, await addEvent()));
    await store.addDeliveries(ds, 3);
    const first = await store.deliveries(s.id, 2);
    expect(first.deliveries.map((d) => d.eventId)).toEqual([3, 2]);
    const next = await store.deliveries(s.id, 2, first.nextCursor!);
    expect(next).toMatchObject({ nextCursor: null, deliveries: [{ eventId: 1 }] });
    await expect(store.deliveries(s.id, 2, 'x')).rejects.toBeInstanceOf(InvalidCursorError);
    const at = new Date(Date.now() - 1000).toISOString();
    const done = { attempt: 1, at, statusCode: 200, error: null, durationMs: 1 };
    await store.recordAttempt(ds[0]!.id, done, { state: 'delivered' });
    expect(await store.pruneDeliveries(new Date().toISOString())).toBe(1);
    expect((await store.deliveries(s.id, 10)).deliveries.map((d) => d.eventId)).toEqual([3, 2]);
  });
});
