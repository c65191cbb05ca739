import { WEBHOOK_HEADERS } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhooksConfig } from '../config/schema.js';
import type {
  AttemptResult,
  PendingDelivery,
  SubscriptionStore,
} from '../store/subscription-store.js';
import type { Resolver } from './address-guard.js';
import { DeliveryQueue } from './delivery-queue.js';
import { EventFeeder } from './feeder.js';
import { attemptDelivery } from './http-attempt.js';
import { nextAttemptAt } from './retry.js';
import { signBody } from './signature.js';

const USER_AGENT = 'hpcgate-webhooks/0.1';
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface DelivererOptions {
  /** The DNS resolver (the system's by default). */
  resolve?: Resolver;
  /** Where attempts are counted (they outlive one deliverer: replicas hand delivery around). */
  attempts?: { delivered: number; pending: number; failed: number };
}

/**
 * Sends deliveries: the feeder makes them from events, the queue holds and runs them, and each
 * attempt is signed, sent through the address guard, and recorded (attempt number, time, status
 * or error, duration) before the next is scheduled. At-least-once: a delivery is `pending` in
 * the store until an attempt is recorded as its last, so one cut short by a restart is sent
 * again, with the same id and body.
 */
export class Deliverer {
  /** Attempts recorded since start, by what they left the delivery as: for metrics. */
  readonly attempts: { delivered: number; pending: number; failed: number };
  private readonly queue: DeliveryQueue<PendingDelivery>;
  private readonly feeder: EventFeeder;
  private pruneTimer: NodeJS.Timeout | undefined;
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly store: SubscriptionStore,
    private readonly config: WebhooksConfig,
    private readonly log: FastifyBaseLogger,
    private readonly opts: DelivererOptions = {},
  ) {
    this.attempts = opts.attempts ?? { delivered: 0, pending: 0, failed: 0 };
    this.queue = new DeliveryQueue(
      (d, signal) => this.attempt(d, signal),
      config.maxConcurrentDeliveries,
      // Room in the queue: events the feeder left in the store can come in now.
      () => this.feeder.roomMade(),
    );
    this.feeder = new EventFeeder(
      store,
      this.queue,
      {
        maxQueued: config.maxQueuedDeliveries,
        maxPendingPerSubscription: config.maxPendingPerSubscription,
      },
      log,
    );
  }

  /**
   * Resumes the pending deliveries, then follows new events: `subscribe` calls its argument on
   * every job change (from now on, before anything is read, so no change is missed).
   */
  async start(subscribe: (wake: () => void) => () => void): Promise<void> {
    this.unsubscribe = subscribe(() => this.feeder.wake());
    for (const d of await this.store.pending()) this.queue.add(d, Date.parse(d.nextAttemptAt));
    await this.feeder.start();
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** A subscription was deleted: its queued deliveries go with it. */
  forget(subscriptionId: string): void {
    this.queue.forget(subscriptionId);
  }

  /** Deliveries held in memory now. */
  get queued(): number {
    return this.queue.size;
  }

  /** Stops reading and sending; attempts under way are aborted (and sent again at next start). */
  async close(): Promise<void> {
    this.unsubscribe();
    clearInterval(this.pruneTimer);
    this.feeder.close();
    await this.queue.close();
  }

  private async attempt(d: PendingDelivery, signal: AbortSignal): Promise<number | null> {
    try {
      // Read at every attempt: a deleted subscription gets nothing more.
      const sub = await this.store.get(d.subscriptionId);
      if (!sub) return null;
      const attempt = d.attempts + 1;
      const at = new Date();
      const outcome = await attemptDelivery({
        url: sub.url,
        body: d.body,
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          [WEBHOOK_HEADERS.delivery]: d.id,
          [WEBHOOK_HEADERS.event]: d.event,
          [WEBHOOK_HEADERS.signature]: signBody(sub.secret, d.body),
          [WEBHOOK_HEADERS.timestamp]: String(Math.floor(at.getTime() / 1000)),
          [WEBHOOK_HEADERS.attempt]: String(attempt),
        },
        timeoutMs: this.config.attemptTimeoutMs,
        allowPrivate: this.config.allowPrivateAddresses,
        resolve: this.opts.resolve,
        signal,
      });
      // Cut short by the gateway's close: not an attempt the receiver is to blame for; the
      // delivery stays pending as it was and goes again at the next start.
      if (signal.aborted) return null;
      let next: number | null = null;
      let result: AttemptResult;
      if (outcome.error === null) {
        result = { state: 'delivered' };
      } else if (!outcome.retryable) {
        result = { state: 'failed', error: `not retried: ${outcome.error}` };
      } else {
        next = nextAttemptAt(d.created, attempt, Date.now(), this.config);
        result =
          next === null
            ? {
                state: 'failed',
                error: `gave up after ${attempt} attempts (retried for up to ${this.config.retryForMs} ms)`,
              }
            : { state: 'pending', nextAttemptAt: new Date(next).toISOString() };
      }
      const recorded = await this.store.recordAttempt(
        d.id,
        {
          attempt,
          at: at.toISOString(),
          statusCode: outcome.statusCode,
          error: outcome.error,
          durationMs: outcome.durationMs,
        },
        result,
      );
      if (!recorded) return null;
      this.attempts[result.state]++;
      d.attempts = attempt;
      this.log.debug(
        { deliveryId: d.id, subscriptionId: d.subscriptionId, attempt, state: result.state },
        'webhook attempt',
      );
      return next;
    } catch (err) {
      // The store failed (closing, say): the delivery stays pending there for the next start.
      this.log.warn({ err, deliveryId: d.id }, 'webhook attempt could not be recorded');
      return null;
    }
  }

  private async prune(): Promise<void> {
    try {
      const before = new Date(Date.now() - this.config.keepDeliveriesMs).toISOString();
      await this.store.pruneDeliveries(before);
    } catch (err) {
      this.log.warn({ err }, 'webhook delivery prune failed');
    }
  }
}
