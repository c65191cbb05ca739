import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type CreatedSubscription,
  type CreateSubscriptionRequest,
  createSubscriptionResponseSchema,
  type DeliveryList,
  deliveryListResponseSchema,
  type ListDeliveriesQuery,
  type ListSubscriptionsQuery,
  type Subscription,
  type SubscriptionList,
  subscriptionListResponseSchema,
  subscriptionSchema,
} from '@hpcgate/contract';
import { z } from 'zod';
import type { RequestCore } from '../core/request.js';
import type { CallOptions } from './call-options.js';

/**
 * The request core's method type names GET and POST only; axios sends any, and the core's auth,
 * retries and error mapping apply to a DELETE unchanged (it gets no Idempotency-Key, which only
 * POSTs need). Once core/request.ts lists 'DELETE', this goes.
 */
const DELETE = 'DELETE' as unknown as 'GET';

const path = (subscriptionId: string) =>
  `/v3/jobs/subscriptions/${encodeURIComponent(subscriptionId)}`;

/** `client.subscriptions`: webhooks on the caller's job events, named as tapipy names things. */
export class Subscriptions {
  constructor(private readonly core: RequestCore) {}

  /**
   * Subscribes `url` to events of the caller's jobs (one job by `jobId`, those a `selector`
   * names, or all). Without `secret` the gateway makes one: it is in this answer (`secret`) and
   * never again, so keep it. A secret given is never sent back.
   */
  async createSubscription(
    request: CreateSubscriptionRequest,
    options: CallOptions = {},
  ): Promise<CreatedSubscription> {
    const { data } = await this.core.request({
      method: 'POST',
      path: '/v3/jobs/subscriptions',
      body: request,
      signal: options.signal,
      schema: createSubscriptionResponseSchema,
    });
    return data;
  }

  /** One page of the caller's subscriptions, newest first. */
  async listSubscriptions(
    query: ListSubscriptionsQuery = {},
    options: CallOptions = {},
  ): Promise<SubscriptionList> {
    const { data } = await this.core.request({
      method: 'GET',
      path: '/v3/jobs/subscriptions',
      query,
      signal: options.signal,
      schema: subscriptionListResponseSchema,
    });
    return data;
  }

  async getSubscription({
    subscriptionId,
    signal,
  }: { subscriptionId: string } & CallOptions): Promise<Subscription> {
    const { data } = await this.core.request({
      method: 'GET',
      path: path(subscriptionId),
      signal,
      schema: subscriptionSchema,
    });
    return data;
  }

  /** Deletes it with its delivery log; nothing more is sent to its URL. */
  async deleteSubscription({
    subscriptionId,
    signal,
  }: { subscriptionId: string } & CallOptions): Promise<void> {
    await this.core.request({
      method: DELETE,
      path: path(subscriptionId),
      signal,
      // 204, no body.
      schema: z.unknown(),
    });
  }

  /** One page of the subscription's deliveries, newest first, each with its attempts. */
  async listDeliveries({
    subscriptionId,
    signal,
    ...query
  }: { subscriptionId: string } & ListDeliveriesQuery & CallOptions): Promise<DeliveryList> {
    const { data } = await this.core.request({
      method: 'GET',
      path: `${path(subscriptionId)}/deliveries`,
      query,
      signal,
      schema: deliveryListResponseSchema,
    });
    return data;
  }
}

/**
 * Whether a delivery is the gateway's: `header` (X-Hpcgate-Signature-256, `sha256=<hex>`) is the
 * HMAC-SHA256 of `rawBody` keyed with the subscription's secret. Pass the body exactly as
 * received (the bytes, not re-serialized JSON). Compared in constant time, so a forger learns
 * nothing from how long a refusal takes.
 */
export function verifyWebhookSignature(
  secret: string,
  rawBody: string | Buffer,
  header: string | string[] | undefined,
): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`,
  );
  const given = Buffer.from(header.trim().toLowerCase());
  // timingSafeEqual needs equal lengths; the length of a well-formed header is public anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
