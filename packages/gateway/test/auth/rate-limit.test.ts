import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, startProvider, type TestProvider } from './fake-idp.js';

// The per-user limit on /v3/jobs, through the HTTP API.
let provider: TestProvider;
let app: FastifyInstance;

beforeAll(async () => {
  provider = await startProvider();
  // 3 at once, then one every 20 s.
  app = await startGateway(provider, { rateLimit: { requestsPerMinute: 3, burst: 3 } });
});
afterAll(async () => {
  await app?.close();
  await provider?.close();
});

async function get(url: string, authorization?: string) {
  return app.inject({ method: 'GET', url, headers: authorization ? { authorization } : {} });
}

describe('rate limit', () => {
  it('the request after the burst gets 429 with Retry-After; other users are unaffected', async () => {
    const alice = `Bearer ${await provider.token('alice')}`;
    for (let i = 0; i < 3; i++) expect((await get('/v3/jobs/list', alice)).statusCode).toBe(200);
    const limited = await get('/v3/jobs/list', alice);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'RATE_LIMITED' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(19);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(limited.json().error.details.retryAfterSec).toBe(retryAfter);
    // Every job route counts, and so does a new token for the same user.
    const again = `Bearer ${await provider.token('alice')}`;
    expect((await get(`/v3/jobs/${crypto.randomUUID()}`, again)).statusCode).toBe(429);
    const submit = await app.inject({
      method: 'POST',
      url: '/v3/jobs/submit',
      headers: { authorization: again },
      payload: { name: 'x', execSystemId: 'sandbox', command: 'true' },
    });
    expect(submit.statusCode).toBe(429);
    expect((await app.store.list('alice', { limit: 10 })).jobs).toEqual([]);

    // Bob has his own bucket.
    const bob = `Bearer ${await provider.token('bob')}`;
    for (let i = 0; i < 3; i++) expect((await get('/v3/jobs/list', bob)).statusCode).toBe(200);
    expect((await get('/v3/jobs/list', bob)).statusCode).toBe(429);
  });

  it('refuses bad tokens with 401 before counting; health is not limited', async () => {
    const carol = `Bearer ${await provider.token('carol')}`;
    for (let i = 0; i < 10; i++) {
      const res = await get('/v3/jobs/list', 'Bearer not-a-token');
      expect(res.statusCode).toBe(401);
      // A forged token naming carol costs carol nothing.
      const { 'signed by another key with the same kid': forged } = await provider.bad('carol');
      expect((await get('/v3/jobs/list', `Bearer ${forged}`)).statusCode).toBe(401);
    }
    expect((await get('/v3/jobs/list', carol)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await get('/healthz')).statusCode).not.toBe(429);
  });
});
