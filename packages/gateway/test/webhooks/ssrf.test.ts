import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { SqliteSubscriptionStore } from '../../src/store/sqlite/sqlite-subscription-store.js';
import { type Receiver, startReceiver } from './receiver.js';
import { offlineWebhookApp } from './webhook-app.js';

// The default policy: webhooks go to public addresses only, checked at creation and again at
// every attempt; redirects are never followed.
let gw: Awaited<ReturnType<typeof offlineWebhookApp>>;
let open: Awaited<ReturnType<typeof offlineWebhookApp>>;
let receiver: Receiver;
let elsewhere: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  elsewhere = await startReceiver();
  gw = await offlineWebhookApp({ retryForMs: 0 });
  // Only to reach the loopback receivers of the redirect test.
  open = await offlineWebhookApp({ allowPrivateAddresses: true, retryForMs: 0 });
});
afterAll(async () => {
  await gw?.close();
  await open?.close();
  await receiver?.close();
  await elsewhere?.close();
});

describe('with the default config', () => {
  it.each([
    ['IPv4 loopback', () => `http://127.0.0.1:${receiver.port}/hook`, '127.0.0.1'],
    ['IPv6 loopback', () => 'http://[::1]/', '::1'],
    [
      'cloud metadata (link-local)',
      () => 'http://169.254.169.254/latest/meta-data/',
      '169.254.169.254',
    ],
    ['a private address', () => 'http://10.0.0.1/', '10.0.0.1'],
    ['192.168/16', () => 'https://192.168.1.10/', '192.168.1.10'],
    ['172.16/12', () => 'http://172.20.0.5:8080/', '172.20.0.5'],
    ['CGNAT 100.64/10', () => 'http://100.64.0.1/', '100.64.0.1'],
    ['0.0.0.0', () => 'http://0.0.0.0:8080/', '0.0.0.0'],
    ['the unspecified IPv6 address', () => 'http://[::]/', '::'],
    ['IPv4-mapped IPv6 loopback', () => 'http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['unique-local IPv6', () => 'http://[fd00::1]/', 'fd00::1'],
    ['link-local IPv6', () => 'http://[fe80::1]/', 'fe80::1'],
    ['loopback written as a number', () => 'http://2130706433/', '127.0.0.1'],
  ])('%s is refused at creation: 400 WEBHOOK_ADDRESS_FORBIDDEN', async (_what, url, address) => {
    const res = await gw.call('alice', 'POST', '/v3/jobs/subscriptions', {
      url: url(),
      events: ['*'],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WEBHOOK_ADDRESS_FORBIDDEN');
    expect(res.body.error.details).toMatchObject({ field: 'body.url', address });
    expect(res.body.error.message).toMatch(/is not a public address/);
  });

  it('a name that resolves to loopback is refused at creation, without saying its address', async () => {
    const res = await gw.call('alice', 'POST', '/v3/jobs/subscriptions', {
      url: `http://localhost:${receiver.port}/`,
      events: ['*'],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'WEBHOOK_ADDRESS_FORBIDDEN',
      message: expect.stringMatching(/^localhost resolves to a non-public address: loopback/),
      details: { field: 'body.url', host: 'localhost' },
    });
    // What internal names resolve to is not for users to learn.
    expect(res.body.error.details.address).toBeUndefined();
    expect(res.text).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('a name that does not resolve is refused: 400 WEBHOOK_URL_UNRESOLVABLE', async () => {
    const res = await gw.call('alice', 'POST', '/v3/jobs/subscriptions', {
      url: 'http://no-such-host.invalid/hook',
      events: ['*'],
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'WEBHOOK_URL_UNRESOLVABLE',
      details: { field: 'body.url', host: 'no-such-host.invalid' },
    });
  });

  it('a name that resolves to loopback when it is sent is refused then too, and nothing is sent', async () => {
    // As if made while the name resolved to a public address (the rebinding case): stored
    // directly, past the check at creation.
    const store = new SqliteSubscriptionStore((gw.app.store as SqliteJobStore).database);
    const sub = await store.create(
      {
        id: randomUUID(),
        owner: 'alice',
        url: `http://localhost:${receiver.port}/hook`,
        events: ['*'],
        jobId: null,
        selector: null,
        secret: 'a-secret-of-sixteen-or-more',
        created: new Date().toISOString(),
      },
      100,
    );
    const job = await gw.jobs.create('alice');
    await gw.jobs.step(job.id, 'RUNNING');
    const [delivery] = await gw.deliveriesWhen('alice', sub!.id, (d) =>
      d.some((x) => x.state === 'failed'),
    );
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ statusCode: null });
    expect(delivery.attempts[0].error).toMatch(
      /^refused: localhost resolves to a non-public address: loopback/,
    );
    // Refused by policy: not retried (a retry would be refused again).
    expect(delivery.error).toMatch(/^not retried/);
    expect(receiver.received).toEqual([]);
  });
});

it('a 302 is not followed: the attempt is a failure with the status, the target gets nothing', async () => {
  receiver.handle((_req, res) => {
    res.writeHead(302, { location: `${elsewhere.url}/stolen` });
    res.end();
  });
  const { id } = await open.subscribe('alice', { url: `${receiver.url}/hook`, events: ['*'] });
  const job = await open.jobs.create('alice');
  await open.jobs.step(job.id, 'RUNNING');
  const deliveries = await open.deliveriesWhen(
    'alice',
    id,
    (d) => d.length >= 2 && d.every((x) => x.state === 'failed'),
  );
  for (const d of deliveries) {
    expect(d.attempts).toEqual([
      expect.objectContaining({
        statusCode: 302,
        error: `HTTP 302: redirect to ${elsewhere.url}/stolen not followed`,
      }),
    ]);
  }
  expect(receiver.received.length).toBeGreaterThanOrEqual(2);
  expect(elsewhere.received).toEqual([]);
});
