import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from './receiver.js';
import { offlineWebhookApp, type WebhookApp } from './webhook-app.js';

// What a caller controls is bounded, each refusal a 400 naming the field; the secret is never
// sent back nor logged.
let gw: WebhookApp & Awaited<ReturnType<typeof offlineWebhookApp>>;
let receiver: Receiver;
let log = '';

beforeAll(async () => {
  receiver = await startReceiver();
  // Every log line at the most detailed level, to look for secrets in.
  const stream = new Writable({
    write(chunk, _enc, done) {
      log += chunk.toString();
      done();
    },
  });
  gw = await offlineWebhookApp(
    { allowPrivateAddresses: true, maxSubscriptionsPerUser: 3 },
    {},
    { logger: { level: 'trace', stream } },
  );
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

const valid = () => ({ url: `${receiver.url}/hook`, events: ['STATUS_CHANGED'] });

describe('POST /v3/jobs/subscriptions refuses what is out of bounds', () => {
  it.each([
    ['a URL over 2048 characters', { url: `http://example.org/${'a'.repeat(2048)}` }, 'body.url'],
    ['a URL that is not http(s)', { url: 'ftp://example.org/hook' }, 'body.url'],
    ['a file: URL', { url: 'file:///etc/passwd' }, 'body.url'],
    ['a relative URL', { url: '/hook' }, 'body.url'],
    ['a URL with a user name and password', { url: 'http://u:p@example.org/' }, 'body.url'],
    ['no events', { events: [] }, 'body.events'],
    ['an unknown event type', { events: ['JOB_EXPLODED'] }, 'body.events.0'],
    ['"*" with another type', { events: ['*', 'STATUS_CHANGED'] }, 'body.events'],
    ['a type twice', { events: ['STATUS_CHANGED', 'STATUS_CHANGED'] }, 'body.events'],
    ['a secret under 16 characters', { secret: 'too-short' }, 'body.secret'],
    ['a secret over 256 characters', { secret: 'x'.repeat(257) }, 'body.secret'],
    ['a secret with spaces', { secret: 'has spaces in it, sixteen+' }, 'body.secret'],
    ['an empty selector', { selector: {} }, 'body.selector'],
    ['a selector with an empty list', { selector: { tags: [] } }, 'body.selector.tags'],
    [
      'a selector with an unknown status',
      { selector: { status: ['DONE'] } },
      'body.selector.status.0',
    ],
    ['a selector with an unknown field', { selector: { owner: 'bob' } }, 'body.selector'],
    [
      'both jobId and selector',
      { jobId: '6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f', selector: { name: 'a' } },
      'body.selector',
    ],
    ['a jobId that is not a UUID', { jobId: '42' }, 'body.jobId'],
    ['an unknown field', { owner: 'bob' }, 'body'],
  ])('%s', async (_what, change, field) => {
    const res = await gw.call('alice', 'POST', '/v3/jobs/subscriptions', { ...valid(), ...change });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.field).toBe(field);
  });

  it('at most maxSubscriptionsPerUser per user: one more is 409 TOO_MANY_SUBSCRIPTIONS', async () => {
    for (let i = 0; i < 3; i++) await gw.subscribe('carol', valid());
    const res = await gw.call('carol', 'POST', '/v3/jobs/subscriptions', valid());
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'TOO_MANY_SUBSCRIPTIONS', details: { limit: 3 } });
    // Another user's count is their own.
    await gw.subscribe('dave', valid());
    // Room again once one is deleted.
    const { subscriptions } = (await gw.call('carol', 'GET', '/v3/jobs/subscriptions')).body;
    const del = await gw.call('carol', 'DELETE', `/v3/jobs/subscriptions/${subscriptions[0].id}`);
    expect(del.status).toBe(204);
    await gw.subscribe('carol', valid());
  });

  it('a page of subscriptions is at most 100, the cursor goes on', async () => {
    const bad = await gw.call('carol', 'GET', '/v3/jobs/subscriptions?limit=101');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('querystring.limit');
    const first = await gw.call('carol', 'GET', '/v3/jobs/subscriptions?limit=2');
    expect(first.body.subscriptions).toHaveLength(2);
    const next = await gw.call(
      'carol',
      'GET',
      `/v3/jobs/subscriptions?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(next.body).toMatchObject({ nextCursor: null });
    expect(next.body.subscriptions).toHaveLength(1);
    const ids = [...first.body.subscriptions, ...next.body.subscriptions].map((s) => s.id);
    expect(new Set(ids).size).toBe(3);
    const forged = await gw.call('carol', 'GET', '/v3/jobs/subscriptions?cursor=nope');
    expect(forged.body.error.code).toBe('INVALID_CURSOR');
  });
});

describe('the secret', () => {
  it('given: never echoed, in no answer and no log line', async () => {
    const secret = 'given-secret-value-0123456789';
    const created = await gw.call('erin', 'POST', '/v3/jobs/subscriptions', { ...valid(), secret });
    expect(created.status).toBe(201);
    expect(created.body.secret).toBeUndefined();
    const id = created.body.id;
    const job = await gw.jobs.create('erin');
    await gw.jobs.step(job.id, 'RUNNING');
    await gw.deliveriesWhen('erin', id, (d) => d.some((x) => x.state === 'delivered'));
    const answers = [
      created.text,
      (await gw.call('erin', 'GET', `/v3/jobs/subscriptions/${id}`)).text,
      (await gw.call('erin', 'GET', '/v3/jobs/subscriptions')).text,
      (await gw.call('erin', 'GET', `/v3/jobs/subscriptions/${id}/deliveries`)).text,
    ];
    for (const text of answers) expect(text).not.toContain(secret);
    // A refused creation does not echo it either.
    const refused = await gw.call('erin', 'POST', '/v3/jobs/subscriptions', {
      ...valid(),
      events: [],
      secret,
    });
    expect(refused.text).not.toContain(secret);
    expect(log).toContain('"reqId"');
    expect(log).not.toContain(secret);
    // The deliveries did carry it, as their signature's key only.
    expect(receiver.received.some((r) => r.body.includes(secret))).toBe(false);
  });

  it('made by the gateway: returned once, at creation, and never again', async () => {
    const created = await gw.call('erin', 'POST', '/v3/jobs/subscriptions', valid());
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await gw.call('erin', 'GET', `/v3/jobs/subscriptions/${created.body.id}`);
    expect(again.body).toEqual({ ...created.body, secret: undefined });
    expect(again.text).not.toContain(secret);
    expect((await gw.call('erin', 'GET', '/v3/jobs/subscriptions')).text).not.toContain(secret);
    expect(log).not.toContain(secret);
  });
});

it('the routes are in the OpenAPI document', async () => {
  const res = await gw.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  const paths = Object.keys(res.json().paths);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/v3/jobs/subscriptions/',
      '/v3/jobs/subscriptions/{subscriptionId}',
      '/v3/jobs/subscriptions/{subscriptionId}/deliveries',
    ]),
  );
});
