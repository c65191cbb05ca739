import { randomUUID } from 'node:crypto';
import type {
  CreatedSubscription,
  CreateSubscriptionParams,
  DeliveryList,
  Subscription,
  SubscriptionList,
} from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhooksConfig } from '../config/schema.js';
import { JobNotFoundError } from '../domain/errors.js';
import type { Caller } from '../jobs/caller.js';
import type { JobStore } from '../store/job-store.js';
import type { SubscriptionRecord, SubscriptionStore } from '../store/subscription-store.js';
import {
  AddressRefusedError,
  checkAddress,
  type Resolver,
  UnresolvableHostError,
} from './address-guard.js';
import { Deliverer } from './deliverer.js';
import {
  SubscriptionNotFoundError,
  TooManySubscriptionsError,
  WebhookAddressForbiddenError,
  WebhookUrlUnresolvableError,
} from './errors.js';
import { generateSecret } from './signature.js';

/**
 * Webhook subscriptions as the routes see them. Every one belongs to its creator alone: nobody
 * else sees it (404, admins included: a subscription sends its owner's data to its owner's URL,
 * and an admin's is no different), and it follows only its owner's own jobs.
 */
export class SubscriptionService {
  /** Attempts recorded here since start, by what they left the delivery as: for metrics. */
  readonly attempts = { delivered: 0, pending: 0, failed: 0 };
  /** Sending, while this replica holds the webhooks lease (one process: always). */
  private deliverer: Deliverer | null = null;

  constructor(
    private readonly store: SubscriptionStore,
    private readonly jobs: JobStore,
    private readonly config: WebhooksConfig,
    private readonly log: FastifyBaseLogger,
    private readonly resolve?: Resolver,
  ) {}

  /** Starts delivering: resumes what is pending, then follows new events. */
  async start(subscribe: (wake: () => void) => () => void): Promise<void> {
    if (this.deliverer) return;
    const deliverer = new Deliverer(this.store, this.config, this.log, {
      resolve: this.resolve,
      attempts: this.attempts,
    });
    this.deliverer = deliverer;
    await deliverer.start(subscribe);
  }

  /** Stops delivering (attempts under way are sent again by whoever starts next). */
  async close(): Promise<void> {
    const deliverer = this.deliverer;
    this.deliverer = null;
    await deliverer?.close();
  }

  /** Whether this gateway sends deliveries now. */
  get delivering(): boolean {
    return this.deliverer !== null;
  }

  /** Deliveries held in memory now. */
  get queued(): number {
    return this.deliverer?.queued ?? 0;
  }

  /**
   * Checks the job (the caller's own, or 404 as for any job not theirs) and the URL (the address
   * policy, as far as can be known now: it is checked again at every attempt), then stores it.
   * The answer carries the secret only when the gateway made it; one the caller gave is never
   * sent back.
   */
  async create(caller: Caller, params: CreateSubscriptionParams): Promise<CreatedSubscription> {
    if (params.jobId !== undefined) {
      const job = await this.jobs.get(params.jobId);
      if (!job || job.owner !== caller.username) throw new JobNotFoundError(params.jobId);
    }
    await this.checkUrl(params.url);
    const secret = params.secret ?? generateSecret();
    const created = await this.store.create(
      {
        id: randomUUID(),
        owner: caller.username,
        url: params.url,
        events: params.events,
        jobId: params.jobId ?? null,
        selector: params.selector ?? null,
        secret,
        created: new Date().toISOString(),
      },
      this.config.maxSubscriptionsPerUser,
    );
    if (!created) throw new TooManySubscriptionsError(this.config.maxSubscriptionsPerUser);
    return { ...view(created), ...(params.secret === undefined ? { secret } : {}) };
  }

  async list(caller: Caller, limit: number, cursor?: string): Promise<SubscriptionList> {
    const page = await this.store.list(caller.username, limit, cursor);
    return { subscriptions: page.subscriptions.map(view), nextCursor: page.nextCursor };
  }

  async get(caller: Caller, id: string): Promise<Subscription> {
    return view(await this.own(caller, id));
  }

  async delete(caller: Caller, id: string): Promise<void> {
    await this.own(caller, id);
    await this.store.delete(id);
    this.deliverer?.forget(id);
  }

  async deliveries(
    caller: Caller,
    id: string,
    limit: number,
    cursor?: string,
  ): Promise<DeliveryList> {
    await this.own(caller, id);
    return this.store.deliveries(id, limit, cursor);
  }

  /** The caller's own subscription, or 404. */
  private async own(caller: Caller, id: string): Promise<SubscriptionRecord> {
    const sub = await this.store.get(id);
    if (!sub || sub.owner !== caller.username) throw new SubscriptionNotFoundError(id);
    return sub;
  }

  /** The address policy at creation, within one attempt's timeout. */
  private async checkUrl(url: string): Promise<void> {
    const { hostname } = new URL(url);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new UnresolvableHostError(hostname, 'TIMEOUT')),
        this.config.attemptTimeoutMs,
      );
    });
    try {
      await Promise.race([
        checkAddress(hostname, {
          allowPrivate: this.config.allowPrivateAddresses,
          resolve: this.resolve,
        }),
        timeout,
      ]);
    } catch (err) {
      if (err instanceof AddressRefusedError) {
        throw new WebhookAddressForbiddenError(
          err.message,
          err.host,
          err.literal ? err.address : undefined,
        );
      }
      if (err instanceof UnresolvableHostError) {
        throw new WebhookUrlUnresolvableError(err.message, err.host);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What the API shows of a subscription: never the secret. */
function view(s: SubscriptionRecord): Subscription {
  return {
    id: s.id,
    owner: s.owner,
    url: s.url,
    events: s.events,
    jobId: s.jobId,
    selector: s.selector,
    created: s.created,
  };
}
