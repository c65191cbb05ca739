import { createHmac, timingSafeEqual } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type WebhookPayload, webhookPayloadSchema } from '@hpcgate/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Received, type Receiver, startReceiver } from './receiver.js';
import { sandboxWebhookApp, type WebhookApp } from './webhook-app.js';

// Real jobs on the sandbox, a real receiver on loopback (allowed by config): what a subscriber
// gets, signed, retried, filtered.
let gw: WebhookApp;
let receiver: Receiver;
const user = 'alice';

beforeAll(async () => {
  receiver = await startReceiver();
  gw = await sandboxWebhookApp({ allowPrivateAddresses: true, retryBaseMs: 50 });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

/** The way a receiver checks a delivery: the HMAC of the raw body, compared in constant time. */
function verify(secret: string, r: Received): boolean {
  const expected = Buffer.from(
    `sha256=${createHmac('sha256', secret).update(r.body).digest('hex')}`,
  );
  const given = Buffer.from(String(r.headers['x-hpcgate-signature-256']));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const payload = (r: Received): WebhookPayload => webhookPayloadSchema.parse(JSON.parse(r.body));
/** What the receiver got for one subscription (each path is one subscription's). */
const at = (path: string) => receiver.received.filter((r) => r.path === path);

async function submit(name: string, command: string, tags: string[] = []): Promise<string> {
  const res = await gw.call(user, 'POST', '/v3/jobs/submit', {
    name,
    execSystemId: 'sandbox',
    command,
    tags,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function finished(jobId: string): Promise<void> {
  await expect
    .poll(async () => (await gw.call(user, 'GET', `/v3/jobs/${jobId}`)).body.status, {
      timeout: 30_000,
      interval: 100,
    })
    .toBe('FINISHED');
}

describe('deliveries of a real job', () => {
  it('are POSTed as JSON, signed with the secret, one per history event, each named in its headers', async () => {
    const secret = 'a-receivers-own-secret-0001';
    const sub = await gw.subscribe(user, { url: `${receiver.url}/all`, events: ['*'], secret });
    const jobId = await submit('wh-signed', 'sleep 0.2');
    await finished(jobId);
    // Every history event once, as /history has them (order by eventId: delivery is concurrent).
    const delivered = () =>
      at('/all')
        .map(payload)
        .sort((a, b) => a.eventId - b.eventId)
        .map((p) => p.event);
    const history = async () =>
      (await gw.call(user, 'GET', `/v3/jobs/${jobId}/history`)).body.events.map((e: object) => ({
        jobId,
        ...e,
      }));
    await expect
      .poll(
        async () => {
          const h = await history();
          return (
            h.some((e: { status: string }) => e.status === 'FINISHED') &&
            isDeepStrictEqual(delivered(), h)
          );
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    const got = at('/all');
    for (const r of got) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/json');
      expect(verify(secret, r)).toBe(true);
      expect(verify('another-secret-altogether', r)).toBe(false);
      const p = payload(r);
      expect(p.subscriptionId).toBe(sub.id);
      expect(r.headers['x-hpcgate-delivery']).toBe(p.deliveryId);
      expect(r.headers['x-hpcgate-event']).toBe(p.event.event);
      expect(r.headers['x-hpcgate-attempt']).toBe('1');
      expect(Number(r.headers['x-hpcgate-timestamp'])).toBeGreaterThan(1_700_000_000);
      expect(p.job).toMatchObject({ id: jobId, name: 'wh-signed', owner: user });
    }
    const events = got.map(payload);
    expect(new Set(events.map((p) => p.deliveryId)).size).toBe(events.length);
    // The log says each was delivered at the first attempt.
    const log = await gw.deliveriesWhen(user, sub.id, (d) => d.length === events.length);
    expect(log.every((d) => d.state === 'delivered' && d.attempts.length === 1)).toBe(true);
    expect(log[0].attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, error: null });
  });

  it('a receiver that answers 500 twice then 200 gets the same delivery three times; the log shows three attempts', async () => {
    const tries = new Map<string, number>();
    receiver.handle((r, res) => {
      if (r.path !== '/flaky') return res.end('ok');
      const id = String(r.headers['x-hpcgate-delivery']);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      res.statusCode = n <= 2 ? 500 : 200;
      res.end(n <= 2 ? 'not now' : 'ok');
    });
    const sub = await gw.subscribe(user, {
      url: `${receiver.url}/flaky`,
      events: ['STATUS_CHANGED'],
      selector: { status: ['FINISHED'] },
    });
    const jobId = await submit('wh-flaky', 'sleep 0.2');
    await finished(jobId);
    const [delivery] = await gw.deliveriesWhen(user, sub.id, (d) => d[0]?.state === 'delivered');
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([
      500, 500, 200,
    ]);
    expect(delivery.attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
    expect(delivery.attempts[0].error).toBe('HTTP 500');
    const got = at('/flaky');
    expect(got).toHaveLength(3);
    // One delivery: the same id, body and signature each time; the attempt number counts up.
    expect(new Set(got.map((r) => r.headers['x-hpcgate-delivery']))).toEqual(
      new Set([delivery.id]),
    );
    expect(new Set(got.map((r) => r.body)).size).toBe(1);
    expect(new Set(got.map((r) => r.headers['x-hpcgate-signature-256'])).size).toBe(1);
    expect(got.map((r) => r.headers['x-hpcgate-attempt'])).toEqual(['1', '2', '3']);
    expect(payload(got[0]!)).toMatchObject({ deliveryId: delivery.id, job: { id: jobId } });
  });

  it('are filtered by event type, by jobId and by selector', async () => {
    receiver.handle((_r, res) => res.end('ok'));
    const byType = await gw.subscribe(user, {
      url: `${receiver.url}/by-type`,
      events: ['STATUS_CHANGED'],
    });
    const byName = await gw.subscribe(user, {
      url: `${receiver.url}/by-name`,
      events: ['*'],
      selector: { name: 'wh-sel-*' },
    });
    const byTag = await gw.subscribe(user, {
      url: `${receiver.url}/by-tag`,
      events: ['*'],
      selector: { tags: ['webhook-tag'], status: ['RUNNING', 'FINISHED'] },
    });
    // The job subscribed to by id is submitted first, to have an id; its end comes later.
    const followed = await submit('wh-followed', 'sleep 2');
    const byJob = await gw.subscribe(user, {
      url: `${receiver.url}/by-job`,
      events: ['STATUS_CHANGED'],
      jobId: followed,
    });
    const selected = await submit('wh-sel-1', 'sleep 0.2', ['webhook-tag']);
    const other = await submit('wh-other-1', 'sleep 0.2');
    for (const id of [followed, selected, other]) await finished(id);
    const ended = (path: string, jobId: string) =>
      at(path).some((r) => payload(r).job.id === jobId && payload(r).event.status === 'FINISHED');
    await expect
      .poll(
        () =>
          ended('/by-type', followed) &&
          ended('/by-type', selected) &&
          ended('/by-type', other) &&
          ended('/by-name', selected) &&
          ended('/by-tag', selected) &&
          ended('/by-job', followed),
        { timeout: 20_000 },
      )
      .toBe(true);
    // Other users' jobs are never here: only alice's three jobs, of those made since.
    const jobsOf = (path: string) => new Set(at(path).map((r) => payload(r).job.id));
    expect(at('/by-type').every((r) => payload(r).event.event === 'STATUS_CHANGED')).toBe(true);
    expect(jobsOf('/by-type')).toEqual(new Set([followed, selected, other]));
    expect(jobsOf('/by-name')).toEqual(new Set([selected]));
    expect(
      at('/by-name')
        .map((r) => payload(r).event.event)
        .includes('JOB_CREATED'),
    ).toBe(true);
    expect(jobsOf('/by-tag')).toEqual(new Set([selected]));
    expect(
      at('/by-tag').every((r) => ['RUNNING', 'FINISHED'].includes(payload(r).event.status)),
    ).toBe(true);
    expect(jobsOf('/by-job')).toEqual(new Set([followed]));
    expect(at('/by-job').every((r) => payload(r).event.event === 'STATUS_CHANGED')).toBe(true);
    for (const s of [byType, byName, byTag, byJob]) expect(s.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
