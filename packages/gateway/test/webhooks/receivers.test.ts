import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Receiver, startReceiver } from './receiver.js';
import { offlineWebhookApp } from './webhook-app.js';

// Receivers that misbehave cost the gateway one bounded attempt each: a slow one is cut at the
// attempt timeout, an endless body is read for a few KiB and hung up on.
let gw: Awaited<ReturnType<typeof offlineWebhookApp>>;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  gw = await offlineWebhookApp({
    allowPrivateAddresses: true,
    attemptTimeoutMs: 300,
    retryBaseMs: 50,
    retryForMs: 0,
  });
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

it('a receiver that never answers times out; the attempt is recorded as such', async () => {
  const held: (() => void)[] = [];
  receiver.handle((_req, res) => {
    // Answers only at the end of the test (or never): the gateway must not wait for it.
    held.push(() => res.end('late'));
  });
  const { id } = await gw.subscribe('alice', {
    url: `${receiver.url}/slow`,
    events: ['STATUS_CHANGED'],
  });
  const job = await gw.jobs.create('alice');
  await gw.jobs.step(job.id, 'RUNNING');
  const [d] = await gw.deliveriesWhen('alice', id, (x) => x[0]?.state === 'failed');
  expect(d.attempts).toEqual([
    expect.objectContaining({ attempt: 1, statusCode: null, error: 'no answer within 300 ms' }),
  ]);
  expect(d.attempts[0].durationMs).toBeGreaterThanOrEqual(290);
  expect(d.error).toMatch(/^gave up after 1 attempts/);
  for (const answer of held) answer();
});

it('an endless answer is read for a few KiB, then the connection is closed; the 200 counts', async () => {
  let written = 0;
  let hungUp: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    hungUp = resolve;
  });
  receiver.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    // Writes for as long as the gateway reads: a gateway that read it all would never stop.
    const pour = () => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
      if (!res.destroyed) res.once('drain', pour);
    };
    res.on('close', () => hungUp());
    pour();
  });
  const { id } = await gw.subscribe('bob', { url: `${receiver.url}/huge`, events: ['*'] });
  const job = await gw.jobs.create('bob');
  await gw.jobs.step(job.id, 'RUNNING');
  const deliveries = await gw.deliveriesWhen(
    'bob',
    id,
    (x) => x.length === 2 && x.every((d) => d.state !== 'pending'),
  );
  for (const d of deliveries) {
    expect(d.state).toBe('delivered');
    expect(d.attempts).toEqual([expect.objectContaining({ statusCode: 200, error: null })]);
  }
  // The receiver's answer was cut off by the gateway, not finished (it never would be).
  await closed;
  expect(written).toBeLessThan(1024 * 1024 * 1024);
});
