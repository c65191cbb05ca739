import { randomUUID } from 'node:crypto';
import type { DeliveryAttempt } from '@hpcgate/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError, type JobRecord, type JobStore } from '../../../src/store/job-store.js';
import type {
  NewDelivery,
  NewSubscription,
  SubscriptionStore,
} from '../../../src/store/subscription-store.js';
import { record } from '../fixtures.js';

/** The two stores of one gateway: the jobs' (whose events are fed) and the webhooks'. */
export interface GatewayStores {
  jobs: JobStore;
  subs: SubscriptionStore;
}

/** A fresh, empty pair; another pair on the same data (a second gateway); closing them all. */
export interface SubscriptionStoreHarness extends GatewayStores {
  another(): Promise<GatewayStores>;
  /** Closes the stores and every `another()`'s. */
  close(): Promise<void>;
}

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const sub = (owner = 'alice', over: Partial<NewSubscription> = {}): NewSubscription => ({
  id: randomUUID(),
  owner,
  url: 'https://hooks.example.org/h',
  events: ['*'],
  jobId: null,
  selector: null,
  secret: 'sixteen-or-more-characters',
  created: at(0),
  ...over,
});

const delivery = (
  subscriptionId: string,
  eventId: number,
  jobId: string,
  over: Partial<NewDelivery> = {},
): NewDelivery => ({
  id: randomUUID(),
  subscriptionId,
  eventId,
  jobId,
  event: 'JOB_CREATED',
  body: `{"event":${eventId}}`,
  created: at(eventId),
  state: 'pending',
  ...over,
});

const attempt = (n: number, over: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  attempt: n,
  at: at(100 + n),
  statusCode: 500,
  error: 'HTTP 500',
  durationMs: 12.5,
  ...over,
});

/** The behaviour every SubscriptionStore must have, run against each implementation. */
export function describeSubscriptionStore(
  name: string,
  makeStores: () => Promise<SubscriptionStoreHarness>,
): void {
  describe(`SubscriptionStore contract: ${name}`, () => {
    let harness: SubscriptionStoreHarness;
    let jobs: JobStore;
    let subs: SubscriptionStore;
    beforeEach(async () => {
      harness = await makeStores();
      ({ jobs, subs } = harness);
    });
    afterEach(async () => {
      await harness.close();
    });

    /** A new job (one JOB_CREATED event); resolves to it and its event's gateway-wide id. */
    async function addJob(
      owner = 'alice',
      over: Parameters<typeof record>[1] = {},
    ): Promise<{ job: JobRecord; eventId: number }> {
      const job = record(1, { owner, ...over });
      await jobs.create(job, { event: 'JOB_CREATED', actor: owner, description: 'created' });
      return { job, eventId: await jobs.lastEventId() };
    }

    describe('subscriptions', () => {
      it('gives back what was stored, starting after the last event written; nothing for an unknown id', async () => {
        await addJob();
        await addJob();
        const last = await jobs.lastEventId();
        expect(last).toBeGreaterThan(0);
        const s = sub('alice', {
          events: ['STATUS_CHANGED', 'JOB_CREATED'],
          jobId: randomUUID(),
          selector: { status: ['RUNNING', 'PENDING'], name: 'exp-*', tags: ['b', 'a'] },
          created: '2026-11-23T10:00:01.234Z',
        });
        const made = await subs.create(s, 10);
        expect(made).toEqual({ ...s, fromEventId: last });
        expect(await subs.get(s.id)).toEqual(made);
        expect(await subs.get(randomUUID())).toBeUndefined();
        expect(await subs.get('a\u0000b')).toBeUndefined();
      });

      it('says up to which event nothing can be delivered while nobody subscribed; null once one did', async () => {
        await addJob();
        const { eventId } = await addJob('bob');
        expect(await subs.unsubscribedUpTo()).toBe(eventId);
        const made = await subs.create(sub(), 5);
        // A subscription made now starts after those events: the feeder skipping them loses it nothing.
        expect(made?.fromEventId).toBe(eventId);
        expect(await subs.unsubscribedUpTo()).toBeNull();
        await subs.delete(made!.id);
        expect(await subs.unsubscribedUpTo()).toBe(eventId);
      });

      it('the per-user bound counts that user only, and a refusal stores nothing', async () => {
        expect(await subs.create(sub(), 2)).toBeDefined();
        expect(await subs.create(sub(), 2)).toBeDefined();
        const refused = sub();
        expect(await subs.create(refused, 2)).toBeUndefined();
        expect(await subs.get(refused.id)).toBeUndefined();
        expect(await subs.create(sub('bob'), 2)).toBeDefined();
        expect((await subs.list('alice', 10)).subscriptions).toHaveLength(2);
        expect((await subs.list('bob', 10)).subscriptions).toHaveLength(1);
      });

      it('concurrent creations on two gateways cannot pass the bound', async () => {
        const other = await harness.another();
        const made = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 ? other.subs : subs).create(sub(), 3)),
        );
        expect(made.filter(Boolean)).toHaveLength(3);
        expect((await subs.list('alice', 10)).subscriptions).toHaveLength(3);
      });

      it('lists one owner’s newest first, in pages that cover each once (ties by id)', async () => {
        const made: NewSubscription[] = [];
        // Pairs made at the same moment: the id decides their order.
        for (let i = 0; i < 7; i++) made.push(sub('alice', { created: at(Math.floor(i / 2)) }));
        for (const s of made) await subs.create(s, 100);
        await subs.create(sub('bob'), 100);
        const expected = [...made]
          .sort((a, b) => b.created.localeCompare(a.created) || (b.id < a.id ? -1 : 1))
          .map((s) => s.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page++) {
          const got = await subs.list('alice', 3, cursor);
          expect(got.subscriptions.length).toBeLessThanOrEqual(3);
          seen.push(...got.subscriptions.map((s) => s.id));
          if (!got.nextCursor) break;
          cursor = got.nextCursor;
        }
        expect(seen).toEqual(expected);
        // The last page says so: exactly 6 of 7 leaves one more, exactly 7 leaves none.
        expect((await subs.list('alice', 7)).nextCursor).toBeNull();
        expect((await subs.list('alice', 6)).nextCursor).not.toBeNull();
        expect(await subs.list('nobody', 3)).toEqual({ subscriptions: [], nextCursor: null });
        await expect(subs.list('alice', 3, 'not-a-cursor')).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
      });

      it('deletes one subscription; false when there was none', async () => {
        const [a, b] = [sub(), sub()];
        await subs.create(a, 10);
        await subs.create(b, 10);
        expect(await subs.delete(a.id)).toBe(true);
        expect(await subs.delete(a.id)).toBe(false);
        expect(await subs.delete('a\u0000b')).toBe(false);
        expect(await subs.get(a.id)).toBeUndefined();
        expect((await subs.get(b.id))?.id).toBe(b.id);
      });

      it('ofOwners gives every subscription of those owners, and of no one else', async () => {
        const mine = [sub('alice'), sub('alice'), sub('bob')];
        for (const s of [...mine, sub('carol')]) await subs.create(s, 10);
        const got = await subs.ofOwners(['alice', 'bob', 'dave']);
        expect(got.map((s) => s.id).sort()).toEqual(mine.map((s) => s.id).sort());
        expect(got.find((s) => s.id === mine[0]!.id)).toEqual({ ...mine[0], fromEventId: 0 });
        expect(await subs.ofOwners([])).toEqual([]);
      });
    });

    describe('the feed', () => {
      it('the cursor starts at the last event on the very first start, then moves only forward', async () => {
        const { eventId: first } = await addJob();
        expect(await subs.cursor()).toBe(first);
        const { eventId: second } = await addJob();
        expect(await subs.cursor()).toBe(first);
        await subs.addDeliveries([], second);
        expect(await subs.cursor()).toBe(second);
        // It never goes back.
        await subs.addDeliveries([], first);
        expect(await subs.cursor()).toBe(second);
        // Another gateway reads the same cursor.
        expect(await (await harness.another()).subs.cursor()).toBe(second);
      });

      it('two gateways starting at once agree on the first cursor', async () => {
        const { eventId } = await addJob();
        const other = await harness.another();
        const got = await Promise.all([subs.cursor(), other.subs.cursor(), subs.cursor()]);
        expect(got).toEqual([eventId, eventId, eventId]);
      });

      it('eventsAfter reads every owner’s events in id order, with their jobs as they are now', async () => {
        const { job: a, eventId: ea } = await addJob('alice', {
          status: 'RUNNING',
          tags: ['x', 'y'],
          remoteJobId: '77',
        });
        const { job: b, eventId: eb } = await addJob('bob');
        const changed = await jobs.update(a.id, {
          steps: [{ status: 'FINISHED', description: 'done', actor: null }],
          patch: { exitCode: 0, ended: at(50), condition: null },
        });
        const ec = await jobs.lastEventId();
        expect(ea).toBeLessThan(eb);
        expect(eb).toBeLessThan(ec);
        const events = await subs.eventsAfter(0, 10);
        expect(events.map((e) => [e.id, e.jobId, e.seq, e.event, e.status])).toEqual([
          [ea, a.id, 1, 'JOB_CREATED', 'RUNNING'],
          [eb, b.id, 1, 'JOB_CREATED', b.status],
          [ec, a.id, 2, 'STATUS_CHANGED', 'FINISHED'],
        ]);
        const history = await jobs.history(a.id);
        expect(events[0]).toMatchObject({ ...history[0], id: ea, jobId: a.id });
        expect(events[2]).toMatchObject({ ...history[1], id: ec, jobId: a.id });
        // The job as it is now, on every one of its events.
        const now = {
          id: a.id,
          name: a.name,
          owner: 'alice',
          execSystemId: a.execSystemId,
          status: 'FINISHED',
          condition: changed!.condition,
          remoteJobId: '77',
          exitCode: 0,
          exitSignal: a.exitSignal,
          created: a.created,
          ended: at(50),
          tags: ['x', 'y'],
        };
        expect(events[0]!.job).toEqual(now);
        expect(events[2]!.job).toEqual(now);
        expect(events[1]!.job.owner).toBe('bob');
        expect((await subs.eventsAfter(ea, 10)).map((e) => e.id)).toEqual([eb, ec]);
        expect((await subs.eventsAfter(0, 2)).map((e) => e.id)).toEqual([ea, eb]);
        expect(await subs.eventsAfter(ec, 10)).toEqual([]);
      });
    });

    describe('deliveries', () => {
      it('addDeliveries writes each (subscription, event) once, skips deleted subscriptions, and moves the cursor with them', async () => {
        const { job, eventId } = await addJob();
        const s = (await subs.create(sub(), 10))!;
        const gone = (await subs.create(sub(), 10))!;
        await subs.delete(gone.id);
        const first = delivery(s.id, eventId, job.id);
        // A second row for the same event in the same batch, and one of a deleted subscription.
        const twin = delivery(s.id, eventId, job.id);
        const written = await subs.addDeliveries(
          [first, delivery(gone.id, eventId, job.id), twin],
          eventId,
        );
        expect(written).toEqual([first]);
        expect(await subs.cursor()).toBe(eventId);
        // The same event for the same subscription again (a batch read twice): nothing new.
        expect(await subs.addDeliveries([delivery(s.id, eventId, job.id)], eventId)).toEqual([]);
        expect(await subs.pending()).toEqual([
          {
            id: first.id,
            subscriptionId: s.id,
            eventId,
            event: 'JOB_CREATED',
            body: first.body,
            created: first.created,
            attempts: 0,
            nextAttemptAt: first.created,
          },
        ]);
      });

      it('the same batch written by two gateways at once: each delivery once', async () => {
        const other = await harness.another();
        const s = (await subs.create(sub(), 10))!;
        const { job } = await addJob();
        const ds = Array.from({ length: 30 }, (_, i) => delivery(s.id, i + 1, job.id));
        // The same (subscription, event) pairs under other delivery ids, as a second feeder makes.
        const again = ds.map((d) => ({ ...d, id: randomUUID() }));
        const [a, b] = await Promise.all([
          subs.addDeliveries(ds, 30),
          other.subs.addDeliveries(again, 30),
        ]);
        expect(a.length + b.length).toBe(30);
        const events = [...a, ...b].map((d) => d.eventId).sort((x, y) => x - y);
        expect(events).toEqual(ds.map((d) => d.eventId));
        expect(await subs.pending()).toHaveLength(30);
      });

      it('a subscription deleted on another gateway while its deliveries are written: no error, nothing left', async () => {
        const other = await harness.another();
        const { job } = await addJob();
        for (let round = 0; round < 15; round++) {
          const s = (await subs.create(sub(), 100))!;
          const ds = Array.from({ length: 20 }, (_, i) => delivery(s.id, i + 1, job.id));
          const [written, deleted] = await Promise.all([
            subs.addDeliveries(ds, 20),
            other.subs.delete(s.id),
          ]);
          expect(deleted).toBe(true);
          // All or nothing: the batch was written before the deletion, or skipped after it.
          expect([0, 20]).toContain(written.length);
          expect((await subs.deliveries(s.id, 100)).deliveries).toEqual([]);
        }
        expect(await subs.pending()).toEqual([]);
      });

      it('a delivery failed at once is not pending, and says why', async () => {
        const { job, eventId } = await addJob();
        const s = (await subs.create(sub(), 10))!;
        const failed = delivery(s.id, eventId, job.id, { state: 'failed', error: 'too many' });
        expect(await subs.addDeliveries([failed], eventId)).toEqual([failed]);
        expect(await subs.pending()).toEqual([]);
        expect((await subs.deliveries(s.id, 10)).deliveries).toEqual([
          {
            id: failed.id,
            subscriptionId: s.id,
            eventId,
            jobId: job.id,
            event: 'JOB_CREATED',
            state: 'failed',
            created: failed.created,
            nextAttemptAt: null,
            error: 'too many',
            attempts: [],
          },
        ]);
        // Finished when made: pruned with the finished ones.
        expect(await subs.pruneDeliveries(at(eventId + 1))).toBe(1);
      });

      it('pending() gives the soonest due first (then by event)', async () => {
        const s = (await subs.create(sub(), 10))!;
        const { job } = await addJob();
        const ds = [1, 2, 3, 4].map((e) => delivery(s.id, e, job.id, { created: at(0) }));
        await subs.addDeliveries(ds, 4);
        await subs.recordAttempt(ds[0]!.id, attempt(1), {
          state: 'pending',
          nextAttemptAt: at(30),
        });
        await subs.recordAttempt(ds[2]!.id, attempt(1), {
          state: 'pending',
          nextAttemptAt: at(10),
        });
        await subs.recordAttempt(ds[3]!.id, attempt(1), { state: 'delivered' });
        const pending = await subs.pending();
        expect(pending.map((d) => [d.eventId, d.nextAttemptAt, d.attempts])).toEqual([
          [2, at(0), 0],
          [3, at(10), 1],
          [1, at(30), 1],
        ]);
      });

      it('records attempts and their outcome; the same attempt again replaces it', async () => {
        const { job, eventId } = await addJob();
        const s = (await subs.create(sub(), 10))!;
        const d = delivery(s.id, eventId, job.id);
        await subs.addDeliveries([d], eventId);
        const one = attempt(1);
        expect(
          await subs.recordAttempt(d.id, one, { state: 'pending', nextAttemptAt: at(200) }),
        ).toBe(true);
        let [logged] = (await subs.deliveries(s.id, 10)).deliveries;
        expect(logged).toMatchObject({
          state: 'pending',
          nextAttemptAt: at(200),
          error: null,
          attempts: [one],
        });
        const oneAgain = attempt(1, { statusCode: null, error: 'timeout', durationMs: 10000 });
        await subs.recordAttempt(d.id, oneAgain, { state: 'pending', nextAttemptAt: at(300) });
        const two = attempt(2, { statusCode: 410 });
        await subs.recordAttempt(d.id, two, { state: 'failed', error: 'HTTP 410: gone' });
        [logged] = (await subs.deliveries(s.id, 10)).deliveries;
        expect(logged).toMatchObject({
          state: 'failed',
          nextAttemptAt: null,
          error: 'HTTP 410: gone',
          attempts: [oneAgain, two],
        });
        expect(await subs.pending()).toEqual([]);
        // Finished at its last attempt: kept until then, pruned after.
        expect(await subs.pruneDeliveries(two.at)).toBe(0);
        expect(await subs.pruneDeliveries(at(500))).toBe(1);
        expect(await subs.recordAttempt(d.id, attempt(3), { state: 'delivered' })).toBe(false);
      });

      it('a deleted subscription takes its deliveries and attempts with it', async () => {
        const { job, eventId } = await addJob();
        const s = (await subs.create(sub(), 10))!;
        const kept = (await subs.create(sub(), 10))!;
        const d = delivery(s.id, eventId, job.id);
        const k = delivery(kept.id, eventId, job.id);
        await subs.addDeliveries([d, k], eventId);
        await subs.recordAttempt(d.id, attempt(1), { state: 'pending', nextAttemptAt: at(9) });
        await subs.delete(s.id);
        expect(await subs.recordAttempt(d.id, attempt(2), { state: 'delivered' })).toBe(false);
        expect((await subs.deliveries(s.id, 10)).deliveries).toEqual([]);
        expect((await subs.pending()).map((p) => p.id)).toEqual([k.id]);
        // A subscription made again under the same id starts with no history.
        await subs.create({ ...sub(), id: s.id }, 10);
        expect((await subs.deliveries(s.id, 10)).deliveries).toEqual([]);
      });

      it('pages deliveries newest first, with their attempts in order; refuses a bad cursor', async () => {
        const s = (await subs.create(sub(), 10))!;
        const { job } = await addJob();
        const ds = [1, 2, 3, 4, 5].map((e) => delivery(s.id, e, job.id));
        await subs.addDeliveries(ds, 5);
        await subs.recordAttempt(ds[4]!.id, attempt(2), { state: 'pending', nextAttemptAt: at(9) });
        await subs.recordAttempt(ds[4]!.id, attempt(1), { state: 'pending', nextAttemptAt: at(9) });
        const seen: number[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await subs.deliveries(s.id, 2, cursor);
          seen.push(...page.deliveries.map((d) => d.eventId));
          if (pages === 0) {
            expect(page.deliveries[0]!.attempts.map((a) => a.attempt)).toEqual([1, 2]);
          }
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor && pages < 10);
        expect(seen).toEqual([5, 4, 3, 2, 1]);
        expect(pages).toBe(3);
        expect((await subs.deliveries(s.id, 5)).nextCursor).toBeNull();
        for (const bad of ['x', '-1', '1.5', '9'.repeat(16)]) {
          await expect(subs.deliveries(s.id, 2, bad)).rejects.toBeInstanceOf(InvalidCursorError);
        }
        expect(await subs.deliveries(randomUUID(), 2)).toEqual({
          deliveries: [],
          nextCursor: null,
        });
      });

      it('prunes only deliveries that finished before the time given', async () => {
        const s = (await subs.create(sub(), 10))!;
        const { job } = await addJob();
        const ds = [1, 2, 3].map((e) => delivery(s.id, e, job.id));
        await subs.addDeliveries(ds, 3);
        await subs.recordAttempt(ds[0]!.id, attempt(1, { at: at(10) }), { state: 'delivered' });
        await subs.recordAttempt(ds[1]!.id, attempt(1, { at: at(20) }), { state: 'failed' });
        expect(await subs.pruneDeliveries(at(10))).toBe(0);
        expect(await subs.pruneDeliveries(at(15))).toBe(1);
        expect(await subs.pruneDeliveries(at(1000))).toBe(1);
        // The pending one stays whatever the time.
        expect((await subs.deliveries(s.id, 10)).deliveries.map((d) => d.eventId)).toEqual([3]);
      });
    });
  });
}
