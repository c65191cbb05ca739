import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type {
  NewDelivery,
  PendingDelivery,
  SubscriptionRecord,
  SubscriptionStore,
} from '../store/subscription-store.js';
import type { DeliveryQueue } from './delivery-queue.js';
import { matches } from './match.js';
import { payloadOf } from './payload.js';

/** Events read from the store at once. */
export const FEED_BATCH = 200;

export interface FeederOptions {
  /** The queue holds at most this many deliveries; full, the feeder waits (events stay stored). */
  maxQueued: number;
  /** Past this many pending for one subscription, its new deliveries fail at once. */
  maxPendingPerSubscription: number;
}

/**
 * Turns history events into deliveries. It reads the store after its cursor (every owner's
 * events, by gateway-wide id) whenever it is woken — on every job change, so an event goes out
 * moments after it is written, with no polling — and writes each event's deliveries together
 * with the cursor that passes it: after a crash an event has either all its deliveries or none,
 * and is then read again. A wake-up carries nothing: the store is the only source, so nothing is
 * skipped or prepared twice however wake-ups and reads interleave.
 */
export class EventFeeder {
  private cursor = 0;
  private pumping = false;
  private dirty = false;
  private closed = false;
  private started = false;
  /** It stopped reading because the queue was full: room in it wakes it. */
  private waitingForRoom = false;

  constructor(
    private readonly store: SubscriptionStore,
    private readonly queue: DeliveryQueue<PendingDelivery>,
    private readonly opts: FeederOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    this.cursor = await this.store.cursor();
    this.started = true;
    this.wake();
  }

  /** Something may have been written: read after the cursor (now, or after the read under way). */
  wake(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.started && !this.pumping) void this.pump();
  }

  /** The queue let a delivery go: if the feeder was held back by it, read on. */
  roomMade(): void {
    if (!this.waitingForRoom) return;
    this.waitingForRoom = false;
    this.wake();
  }

  close(): void {
    this.closed = true;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.dirty && !this.closed) {
        this.dirty = false;
        // Read on while batches come full and the queue has room.
        while (!this.closed && (await this.feedOnce())) {}
      }
    } catch (err) {
      // The store failed (it is closing, say): the cursor holds; the next wake-up reads again.
      this.log.warn({ err }, 'webhook feeder could not read events; will retry on the next change');
    } finally {
      this.pumping = false;
    }
  }

  /** One batch; true when there may be more to read now. */
  private async feedOnce(): Promise<boolean> {
    if (this.queue.size >= this.opts.maxQueued) {
      this.waitingForRoom = true;
      return false;
    }
    // Nobody subscribed (the usual case on a gateway without webhooks): nothing to read. The
    // cursor moves here only; a restart reads from the stored one, and finds nothing due either.
    const unsubscribed = await this.store.unsubscribedUpTo();
    if (unsubscribed !== null) {
      this.cursor = Math.max(this.cursor, unsubscribed);
      return false;
    }
    const events = await this.store.eventsAfter(this.cursor, FEED_BATCH);
    if (events.length === 0 || this.closed) return false;
    const owners = [...new Set(events.map((e) => e.job.owner))];
    const subs = await this.store.ofOwners(owners);
    const byOwner = new Map<string, SubscriptionRecord[]>();
    for (const s of subs) byOwner.set(s.owner, [...(byOwner.get(s.owner) ?? []), s]);

    const planned: NewDelivery[] = [];
    /** Of those, the pending ones (they go into the queue), in all and per subscription. */
    let queuing = 0;
    const plannedFor = new Map<string, number>();
    let last = this.cursor;
    let full = false;
    const now = new Date().toISOString();
    for (const e of events) {
      const wanted = (byOwner.get(e.job.owner) ?? []).filter((s) => matches(s, e));
      const queued = this.queue.size + queuing;
      // The queue's bound, between events only (an event's deliveries go in together); an empty
      // queue takes at least one event, however many deliveries it makes.
      if (queued + wanted.length > this.opts.maxQueued && queued > 0) {
        full = true;
        break;
      }
      for (const s of wanted) {
        const held = this.queue.heldFor(s.id) + (plannedFor.get(s.id) ?? 0);
        const over = held >= this.opts.maxPendingPerSubscription;
        const id = randomUUID();
        planned.push({
          id,
          subscriptionId: s.id,
          eventId: e.id,
          jobId: e.jobId,
          event: e.event,
          body: payloadOf(id, s.id, e),
          created: now,
          ...(over
            ? {
                state: 'failed',
                error: `not sent: ${held} deliveries of this subscription are already pending (the most is ${this.opts.maxPendingPerSubscription})`,
              }
            : { state: 'pending' }),
        });
        if (over) continue;
        queuing++;
        plannedFor.set(s.id, (plannedFor.get(s.id) ?? 0) + 1);
      }
      last = e.id;
    }
    this.waitingForRoom = full;
    if (last === this.cursor) return false;
    const written = await this.store.addDeliveries(planned, last);
    this.cursor = last;
    const due = Date.now();
    for (const d of written) {
      if (d.state !== 'pending') continue;
      this.queue.add({ ...d, attempts: 0, nextAttemptAt: d.created }, due);
    }
    return !full && events.length === FEED_BATCH;
  }
}
