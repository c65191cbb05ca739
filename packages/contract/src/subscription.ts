import { z } from 'zod';
import { JOB_EVENT_TYPES, jobSelectorSchema, tagSchema } from './job.js';
import { jobStreamEventSchema } from './job-event-stream.js';
import { JOB_STATUSES, jobConditionSchema, jobStatusSchema } from './job-status.js';

/**
 * Webhooks (`/v3/jobs/subscriptions`): the gateway POSTs each matching history event of the
 * caller's own jobs to a URL, signed with the subscription's secret. docs/webhooks.md.
 */

/** The longest subscription URL accepted. */
export const MAX_SUBSCRIPTION_URL_LENGTH = 2048;
export const MIN_SUBSCRIPTION_SECRET_LENGTH = 16;
export const MAX_SUBSCRIPTION_SECRET_LENGTH = 256;
/** The most subscriptions (or deliveries) one list page holds. */
export const MAX_SUBSCRIPTION_LIST_LIMIT = 100;

/** Every event type (`*`), or one of the history's. */
export const SUBSCRIPTION_EVENT_TYPES = ['*', ...JOB_EVENT_TYPES] as const;
export const subscriptionEventTypeSchema = z.enum(SUBSCRIPTION_EVENT_TYPES);
export type SubscriptionEventType = z.infer<typeof subscriptionEventTypeSchema>;

/** The headers of every delivery (lower-cased, as Node hands them to a receiver). */
export const WEBHOOK_HEADERS = {
  /** The delivery's id: the same on every attempt of one delivery (dedupe on it). */
  delivery: 'x-hpcgate-delivery',
  /** The history event's type, e.g. `STATUS_CHANGED`. */
  event: 'x-hpcgate-event',
  /** `sha256=<hex HMAC-SHA256 of the raw body, keyed with the subscription's secret>`. */
  signature: 'x-hpcgate-signature-256',
  /** When this attempt was sent, in seconds since the epoch (not covered by the signature). */
  timestamp: 'x-hpcgate-timestamp',
  /** Which attempt of the delivery this is, from 1. */
  attempt: 'x-hpcgate-attempt',
} as const;

/** No control characters: the URL reaches logs and terminals. */
const NO_CONTROL = /^\P{Cc}*$/u;

export const subscriptionUrlSchema = z
  .url({ protocol: /^https?$/, error: 'an absolute http:// or https:// URL' })
  .max(MAX_SUBSCRIPTION_URL_LENGTH, `at most ${MAX_SUBSCRIPTION_URL_LENGTH} characters`)
  .regex(NO_CONTROL, 'no control characters')
  .refine((u) => {
    // Not a URL at all is the check above's to say.
    if (!URL.canParse(u)) return true;
    const parsed = new URL(u);
    return parsed.username === '' && parsed.password === '';
  }, 'no user name or password in the URL (use the secret to authenticate deliveries)');

/**
 * Which of the owner's jobs a subscription follows, as `GET /v3/jobs/events` narrows them: the
 * job's `name` (with `*`) and every one of `tags`; `status` keeps the events whose status (the
 * job's once the event was written) is one of these. A criterion given must name something.
 */
export const subscriptionSelectorSchema = z
  .object({
    status: z
      .array(jobStatusSchema)
      .min(1, 'give at least one status (or leave status out)')
      .max(JOB_STATUSES.length)
      .optional(),
    name: z.string().min(1, 'give a name or pattern (or leave name out)').max(128).optional(),
    tags: jobSelectorSchema.shape.tags,
  })
  .strict()
  .refine((s) => Object.values(s).some((v) => v !== undefined), {
    message: 'name at least one of status, name, tags (or leave selector out)',
  });
export type SubscriptionSelector = z.infer<typeof subscriptionSelectorSchema>;

/** `POST /v3/jobs/subscriptions`. */
export const createSubscriptionRequestSchema = z
  .object({
    url: subscriptionUrlSchema,
    /** `*` alone for every event type; otherwise some of the history's event types, once each. */
    events: z
      .array(subscriptionEventTypeSchema)
      .min(1, 'give at least one event type, or "*" for all')
      .max(SUBSCRIPTION_EVENT_TYPES.length)
      .refine((e) => new Set(e).size === e.length, 'each event type once')
      .refine((e) => !e.includes('*') || e.length === 1, '"*" (every event) stands alone'),
    /** One job of the caller's; or `selector`; neither: every one of the caller's jobs. */
    jobId: z.uuid({ error: 'jobId must be a UUID' }).optional(),
    selector: subscriptionSelectorSchema.optional(),
    /** The HMAC key; absent, the gateway makes one and returns it once, in this answer only. */
    secret: z
      .string()
      .min(MIN_SUBSCRIPTION_SECRET_LENGTH)
      .max(MAX_SUBSCRIPTION_SECRET_LENGTH)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional(),
  })
  .strict()
  .refine((r) => r.jobId === undefined || r.selector === undefined, {
    message: 'give jobId or selector, not both',
    path: ['selector'],
  });
export type CreateSubscriptionRequest = z.input<typeof createSubscriptionRequestSchema>;
export type CreateSubscriptionParams = z.output<typeof createSubscriptionRequestSchema>;

/** A subscription as the API shows it: never its secret. */
export const subscriptionSchema = z.object({
  id: z.uuid(),
  owner: z.string(),
  url: z.string(),
  events: z.array(subscriptionEventTypeSchema),
  jobId: z.uuid().nullable(),
  selector: subscriptionSelectorSchema.nullable(),
  created: z.string(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

/** The answer to a creation: `secret` only when the gateway made it (shown this once). */
export const createSubscriptionResponseSchema = subscriptionSchema.extend({
  secret: z.string().optional(),
});
export type CreatedSubscription = z.infer<typeof createSubscriptionResponseSchema>;

export const subscriptionIdParamsSchema = z.object({
  subscriptionId: z.uuid({ error: 'subscriptionId must be a UUID' }),
});

const limit = (def: number) =>
  z.coerce.number().int().min(1).max(MAX_SUBSCRIPTION_LIST_LIMIT).default(def);

export const listSubscriptionsQuerySchema = z
  .object({ limit: limit(100), cursor: z.string().max(512).optional() })
  .strict();
export type ListSubscriptionsQuery = z.input<typeof listSubscriptionsQuerySchema>;

export const subscriptionListResponseSchema = z.object({
  subscriptions: z.array(subscriptionSchema),
  nextCursor: z.string().nullable(),
});
export type SubscriptionList = z.infer<typeof subscriptionListResponseSchema>;

/** One try at a delivery. `statusCode` when the receiver answered, else `error`. */
export const deliveryAttemptSchema = z.object({
  attempt: z.number().int(),
  at: z.string(),
  statusCode: z.number().int().nullable(),
  /** Why it failed (a timeout, a refused address, a redirect…); null for a 2xx. */
  error: z.string().nullable(),
  durationMs: z.number(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

/** `pending` (more attempts to come), `delivered` (a 2xx), `failed` (no more attempts). */
export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;

export const deliverySchema = z.object({
  id: z.uuid(),
  subscriptionId: z.uuid(),
  /** The gateway-wide event id (as the all-jobs event stream's SSE id). */
  eventId: z.number().int(),
  jobId: z.uuid(),
  event: z.enum(JOB_EVENT_TYPES),
  state: z.enum(DELIVERY_STATES),
  created: z.string(),
  /** When the next attempt is due, while `pending`. */
  nextAttemptAt: z.string().nullable(),
  /** Why a `failed` delivery gets no more attempts (or was never sent); else null. */
  error: z.string().nullable(),
  attempts: z.array(deliveryAttemptSchema),
});
export type Delivery = z.infer<typeof deliverySchema>;

export const listDeliveriesQuerySchema = z
  .object({ limit: limit(20), cursor: z.string().max(512).optional() })
  .strict();
export type ListDeliveriesQuery = z.input<typeof listDeliveriesQuerySchema>;

/** Newest first. */
export const deliveryListResponseSchema = z.object({
  deliveries: z.array(deliverySchema),
  nextCursor: z.string().nullable(),
});
export type DeliveryList = z.infer<typeof deliveryListResponseSchema>;

/** The job as a delivery carries it: what a receiver needs to act, not the submit parameters. */
export const webhookJobSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  owner: z.string(),
  execSystemId: z.string(),
  status: jobStatusSchema,
  condition: jobConditionSchema.nullable(),
  remoteJobId: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  exitSignal: z.number().int().nullable(),
  created: z.string(),
  ended: z.string().nullable(),
  tags: z.array(tagSchema),
});
export type WebhookJob = z.infer<typeof webhookJobSchema>;

/**
 * The body of every delivery (the same bytes on every attempt). `event` is the history event as
 * the event streams send it; `job` is the job as it was when the delivery was prepared, moments
 * after the event (its status may already be later than `event.status`).
 */
export const webhookPayloadSchema = z.object({
  deliveryId: z.uuid(),
  subscriptionId: z.uuid(),
  /** Gateway-wide, increasing in the order events were written: order deliveries by it. */
  eventId: z.number().int(),
  event: jobStreamEventSchema,
  job: webhookJobSchema,
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;
