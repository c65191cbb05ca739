import type { WebhookPayload } from '@hpcgate/contract';
import type { FeedEvent } from '../store/subscription-store.js';

/**
 * A delivery's body, made once and stored: every attempt sends the same bytes (and signature),
 * so a receiver that got it before recognises it by `deliveryId`.
 */
export function payloadOf(deliveryId: string, subscriptionId: string, e: FeedEvent): string {
  const payload: WebhookPayload = {
    deliveryId,
    subscriptionId,
    eventId: e.id,
    event: {
      jobId: e.jobId,
      seq: e.seq,
      at: e.at,
      event: e.event,
      status: e.status,
      actor: e.actor,
      description: e.description,
    },
    job: e.job,
  };
  return JSON.stringify(payload);
}
