import { createHmac } from 'node:crypto';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  ConflictError,
  Hpcgate,
  NotFoundError,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
} from '../../src/index.js';

const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks(), 'interceptors left unused').toEqual([]);
  nock.cleanAll();
});

const subscription = {
  id: '0b5e3c1a-9d2f-4e6b-8a7c-1d2e3f4a5b6c',
  owner: 'alice',
  url: 'https://hooks.example.org/hpc',
  events: ['STATUS_CHANGED'],
  jobId: null,
  selector: { name: 'sweep-*' },
  created: '2026-11-23T10:00:00.000Z',
};
const delivery = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  subscriptionId: subscription.id,
  eventId: 42,
  jobId: '6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f',
  event: 'STATUS_CHANGED',
  state: 'delivered',
  created: '2026-11-23T10:00:01.000Z',
  nextAttemptAt: null,
  error: null,
  attempts: [
    {
      attempt: 1,
      at: '2026-11-23T10:00:01.000Z',
      statusCode: 500,
      error: 'HTTP 500',
      durationMs: 3.2,
    },
    { attempt: 2, at: '2026-11-23T10:00:02.000Z', statusCode: 200, error: null, durationMs: 2.1 },
  ],
};
const client = () => new Hpcgate({ baseUrl, token: 'tok', maxRetries: 0 });

describe('client.subscriptions', () => {
  it('createSubscription POSTs the request (with an Idempotency-Key) and returns the made secret', async () => {
    const body = {
      url: subscription.url,
      events: ['STATUS_CHANGED' as const],
      selector: { name: 'sweep-*' },
    };
    nock(baseUrl, {
      reqheaders: { authorization: 'Bearer tok', 'idempotency-key': /^sdk-/ },
    })
      .post('/v3/jobs/subscriptions', body)
      .reply(201, { ...subscription, secret: 'made-by-the-gateway-0123456789abcdef' });
    const created = await client().subscriptions.createSubscription(body);
    expect(created).toEqual({ ...subscription, secret: 'made-by-the-gateway-0123456789abcdef' });
  });

  it('listSubscriptions passes limit and cursor', async () => {
    nock(baseUrl)
      .get('/v3/jobs/subscriptions')
      .query({ limit: '10', cursor: 'c1' })
      .reply(200, { subscriptions: [subscription], nextCursor: null });
    const page = await client().subscriptions.listSubscriptions({ limit: 10, cursor: 'c1' });
    expect(page.subscriptions.map((s) => s.id)).toEqual([subscription.id]);
  });

  it('getSubscription, and a 404 is NotFoundError with its code', async () => {
    nock(baseUrl)
      .get(`/v3/jobs/subscriptions/${subscription.id}`)
      .reply(200, subscription)
      .get(`/v3/jobs/subscriptions/${delivery.id}`)
      .reply(404, {
        error: { code: 'SUBSCRIPTION_NOT_FOUND', message: 'subscription … not found' },
      });
    const subs = client().subscriptions;
    expect(await subs.getSubscription({ subscriptionId: subscription.id })).toEqual(subscription);
    const err = await subs.getSubscription({ subscriptionId: delivery.id }).catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.code).toBe('SUBSCRIPTION_NOT_FOUND');
  });

  it('deleteSubscription sends DELETE and resolves on 204', async () => {
    nock(baseUrl).delete(`/v3/jobs/subscriptions/${subscription.id}`).reply(204);
    await expect(
      client().subscriptions.deleteSubscription({ subscriptionId: subscription.id }),
    ).resolves.toBeUndefined();
  });

  it('listDeliveries returns the attempts of each delivery', async () => {
    nock(baseUrl)
      .get(`/v3/jobs/subscriptions/${subscription.id}/deliveries`)
      .query({ limit: '5' })
      .reply(200, { deliveries: [delivery], nextCursor: '42' });
    const page = await client().subscriptions.listDeliveries({
      subscriptionId: subscription.id,
      limit: 5,
    });
    expect(page.nextCursor).toBe('42');
    expect(page.deliveries[0]?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
  });

  it('the gateway refusals are the SDK errors: 400 with its field, 409 for too many', async () => {
    nock(baseUrl)
      .post('/v3/jobs/subscriptions')
      .reply(400, {
        error: {
          code: 'WEBHOOK_ADDRESS_FORBIDDEN',
          message: '127.0.0.1 is not a public address',
          details: { field: 'body.url' },
        },
      })
      .post('/v3/jobs/subscriptions')
      .reply(409, { error: { code: 'TOO_MANY_SUBSCRIPTIONS', message: 'too many' } });
    const subs = client().subscriptions;
    const req = { url: 'http://127.0.0.1/', events: ['*' as const] };
    const bad = await subs.createSubscription(req).catch((e) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect(bad.field).toBe('body.url');
    expect(await subs.createSubscription(req).catch((e) => e)).toBeInstanceOf(ConflictError);
  });
});

describe('verifyWebhookSignature', () => {
  const secret = 'the-subscriptions-secret';
  const body = '{"deliveryId":"d","event":{"status":"FINISHED"}}';
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('accepts the HMAC-SHA256 of the raw body, as a string or bytes', () => {
    expect(verifyWebhookSignature(secret, body, signature)).toBe(true);
    expect(verifyWebhookSignature(secret, Buffer.from(body), signature)).toBe(true);
  });

  it('refuses another secret, a changed body, a malformed or missing header', () => {
    expect(verifyWebhookSignature('another-secret-entirely', body, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, `${body} `, signature)).toBe(false);
    expect(verifyWebhookSignature(secret, body, signature.slice(0, -1))).toBe(false);
    expect(verifyWebhookSignature(secret, body, signature.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifyWebhookSignature(secret, body, undefined)).toBe(false);
    expect(verifyWebhookSignature(secret, body, [signature, signature])).toBe(false);
  });

  it('names the headers a receiver reads', () => {
    expect(WEBHOOK_HEADERS).toMatchObject({
      signature: 'x-hpcgate-signature-256',
      delivery: 'x-hpcgate-delivery',
      event: 'x-hpcgate-event',
      timestamp: 'x-hpcgate-timestamp',
    });
  });
});
