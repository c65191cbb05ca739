import type {
  Delivery,
  DeliveryAttempt,
  Subscription,
  SubscriptionEventType,
  SubscriptionSelector,
  WebhookJob,
} from '@hpcgate/contract';
import type { JobEventType, StoredJobEvent } from './job-store.js';

/** A subscription as the gateway keeps it: the API's view plus its secret and starting point. */
export interface SubscriptionRecord extends Subscription {
  /** The HMAC key. Never leaves the gateway except in a delivery's signature. */
  secret: string;
  /** The last gateway-wide event id when it was made: it receives only later events. */
  fromEventId: number;
}

export interface NewSubscription {
  id: string;
  owner: string;
  url: string;
  events: SubscriptionEventType[];
  jobId: string | null;
  selector: SubscriptionSelector | null;
  secret: string;
  created: string;
}

export interface SubscriptionPage {
  subscriptions: SubscriptionRecord[];
  nextCursor: string | null;
}

/** A history event with the job it belongs to, as the deliverer reads them (every owner's). */
export interface FeedEvent extends StoredJobEvent {
  job: WebhookJob;
}

/** A delivery to write: one event for one subscription, its body made once for every attempt. */
export interface NewDelivery {
  id: string;
  subscriptionId: string;
  eventId: number;
  jobId: string;
  event: JobEventType;
  body: string;
  created: string;
  /** `pending`, or `failed` at once (with `error`) when the subscription has too many pending. */
  state: 'pending' | 'failed';
  error?: string;
}

/** A delivery still to be attempted, as the queue holds it. */
export interface PendingDelivery {
  id: string;
  subscriptionId: string;
  eventId: number;
  event: JobEventType;
  body: string;
  created: string;
  /** Attempts made so far. */
  attempts: number;
  /** When the next one is due (ISO). */
  nextAttemptAt: string;
}

/** What becomes of a delivery after an attempt. */
export type AttemptResult =
  | { state: 'pending'; nextAttemptAt: string }
  | { state: 'delivered' }
  /** `error`: why no more attempts come (the retry time ran out, the address was refused…). */
  | { state: 'failed'; error?: string };

export interface DeliveryPage {
  deliveries: Delivery[];
  nextCursor: string | null;
}

/**
 * Webhook subscriptions, their deliveries and the deliverer's cursor. Async like the JobStore,
 * so that another database can follow.
 */
export interface SubscriptionStore {
  /**
   * Stores the subscription unless its owner already has `maxPerUser` (then resolves to
   * undefined, storing nothing); counted and stored at once, so concurrent creations cannot pass
   * the bound. Its `fromEventId` is the last event id at that moment.
   */
  create(sub: NewSubscription, maxPerUser: number): Promise<SubscriptionRecord | undefined>;
  get(id: string): Promise<SubscriptionRecord | undefined>;
  /** The owner's subscriptions, newest first. Throws InvalidCursorError. */
  list(owner: string, limit: number, cursor?: string): Promise<SubscriptionPage>;
  /** Removes it with its deliveries; false when there was none. */
  delete(id: string): Promise<boolean>;
  /** Every subscription of these owners. */
  ofOwners(owners: readonly string[]): Promise<SubscriptionRecord[]>;
  /** Where the deliverer has read up to; on the very first start, the last event id (now). */
  cursor(): Promise<number>;
  /**
   * With no subscription at all, the last event id: no event up to it can ever be delivered (a
   * subscription made later starts after it), so the feeder need not read them. Null when some
   * subscription exists. One snapshot: both are read at the same moment.
   */
  unsubscribedUpTo(): Promise<number | null>;
  /** Every owner's events with a gateway-wide id above `afterId`, in id order, at most `limit`. */
  eventsAfter(afterId: number, limit: number): Promise<FeedEvent[]>;
  /**
   * Writes the deliveries and moves the cursor to `cursor`, in one transaction. Deliveries whose
   * subscription is gone, or that exist already, are skipped; resolves to those written.
   */
  addDeliveries(deliveries: readonly NewDelivery[], cursor: number): Promise<NewDelivery[]>;
  /** Every pending delivery, the soonest due first (what a restart resumes). */
  pending(): Promise<PendingDelivery[]>;
  /**
   * Records one attempt and what became of the delivery; false when the delivery is gone (its
   * subscription was deleted meanwhile).
   */
  recordAttempt(
    deliveryId: string,
    attempt: DeliveryAttempt,
    result: AttemptResult,
  ): Promise<boolean>;
  /** The subscription's deliveries with their attempts, newest first. Throws InvalidCursorError. */
  deliveries(subscriptionId: string, limit: number, cursor?: string): Promise<DeliveryPage>;
  /** Forgets deliveries that finished before `before` (ISO); resolves to how many. */
  pruneDeliveries(before: string): Promise<number>;
}
