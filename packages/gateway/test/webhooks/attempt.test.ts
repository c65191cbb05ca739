import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptDelivery } from '../../src/webhooks/http-attempt.js';
import { retryDelay } from '../../src/webhooks/retry.js';
import { type Receiver, startReceiver } from './receiver.js';

// One attempt against a real receiver, with a resolver the test controls: the address checked
// is the address connected to, whatever the name resolves to next.
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

const base = {
  body: '{"hello":"world"}',
  headers: { 'content-type': 'application/json' },
  timeoutMs: 2_000,
};

describe('attemptDelivery', () => {
  it('connects to the checked address, and sends the name as Host', async () => {
    let lookups = 0;
    const outcome = await attemptDelivery({
      ...base,
      url: `http://receiver.example:${receiver.port}/pinned`,
      allowPrivate: true,
      resolve: async () => {
        lookups++;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    expect(outcome).toMatchObject({ statusCode: 200, error: null });
    // Resolved once, by the guard; the connection asked no one else.
    expect(lookups).toBe(1);
    const got = receiver.received.find((r) => r.path === '/pinned');
    expect(got?.headers.host).toBe(`receiver.example:${receiver.port}`);
    expect(got?.body).toBe(base.body);
  });

  it('a name that resolves to a refused address is not connected to, and not retryable', async () => {
    const outcome = await attemptDelivery({
      ...base,
      url: `http://rebound.example:${receiver.port}/rebound`,
      allowPrivate: false,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    expect(outcome).toMatchObject({ statusCode: null, retryable: false });
    expect(outcome.error).toMatch(
      /^refused: rebound\.example resolves to a non-public address: loopback \(127\.0\.0\.0\/8\)/,
    );
    expect(receiver.received.some((r) => r.path === '/rebound')).toBe(false);
  });

  it('a closed port is a failed, retryable attempt', async () => {
    const closed = await startReceiver();
    await closed.close();
    const outcome = await attemptDelivery({
      ...base,
      url: `${closed.url}/`,
      allowPrivate: true,
    });
    expect(outcome).toMatchObject({ statusCode: null, retryable: true });
    expect(outcome.error).toMatch(/ECONNREFUSED/);
  });
});

describe('retryDelay', () => {
  const policy = { retryBaseMs: 1_000, retryMaxDelayMs: 60_000, retryForMs: 600_000 };
  it('doubles from the base, capped, with at most 10 % added', () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelay(n, policy, none))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
    expect(retryDelay(1, policy, () => 1)).toBe(1_100);
  });
});
