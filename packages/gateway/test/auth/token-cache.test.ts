import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { TokenCache } from '../../src/auth/token-cache.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfigInput } from '../../src/config/schema.js';
import { unreachableSystem } from '../http/offline-app.js';
import { AUDIENCE, INTROSPECTION_CLIENT, startProvider, type TestProvider } from './fake-idp.js';

// Defect 11: introspection answers are cached, and a flood of opaque tokens is limited before it
// reaches the identity provider. The fake provider counts the introspection requests it gets.

describe('TokenCache', () => {
  const at = { t: 1_000_000 };
  const cache = (o: Partial<ConstructorParameters<typeof TokenCache>[0]> = {}) =>
    new TokenCache({
      maxAgeMs: 60_000,
      negativeMs: 5_000,
      maxEntries: 100,
      now: () => at.t,
      ...o,
    });

  it('keys by a hash that does not contain the token', () => {
    const token = 'opaque-secret-token-value';
    const key = TokenCache.keyOf(token);
    expect(key).not.toContain(token);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(TokenCache.keyOf(token)).toBe(key);
    expect(TokenCache.keyOf(`${token}x`)).not.toBe(key);
  });

  it("keeps an active answer for maxAge or until the token's exp, whichever is sooner", () => {
    const c = cache();
    at.t = 1_000_000;
    c.set('long', { active: true, exp: at.t / 1000 + 3600 });
    c.set('short', { active: true, exp: at.t / 1000 + 10 });
    c.set('no-exp', { active: true });
    at.t += 9_999;
    expect(c.get('short')).toMatchObject({ active: true });
    at.t += 1;
    expect(c.get('short')).toBeUndefined();
    at.t += 49_999;
    expect(c.get('long')).toBeDefined();
    expect(c.get('no-exp')).toBeDefined();
    at.t += 1;
    expect(c.get('long')).toBeUndefined();
    expect(c.get('no-exp')).toBeUndefined();
    // Already expired: not kept at all.
    c.set('dead', { active: true, exp: at.t / 1000 - 1 });
    expect(c.get('dead')).toBeUndefined();
  });

  it('keeps inactive answers briefly; 0 keeps nothing', () => {
    const c = cache();
    c.set('gone', null);
    expect(c.get('gone')).toBeNull();
    at.t += 5_000;
    expect(c.get('gone')).toBeUndefined();
    const none = cache({ maxAgeMs: 0, negativeMs: 0 });
    none.set('a', { active: true });
    none.set('b', null);
    expect(none.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the least recently used', () => {
    const c = cache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) c.set(k, { k });
    expect(c.get('a')).toEqual({ k: 'a' }); // a is now the most recent
    c.set('d', { k: 'd' });
    expect(c.size).toBe(3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.get('c')).toBeDefined();
    expect(c.get('d')).toBeDefined();
  });
});

describe('introspection through the gateway (fake identity provider)', () => {
  let provider: TestProvider;
  let gw: FastifyInstance | undefined;
  beforeAll(async () => {
    provider = await startProvider();
  });
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });
  afterAll(() => provider?.close());

  /** A gateway without a cluster, its opaque tokens introspected at `provider`. */
  const gateway = async (
    introspection: Partial<
      NonNullable<NonNullable<GatewayConfigInput['auth']>['introspection']>
    > = {},
    more: { auth?: Record<string, unknown>; rateLimit?: GatewayConfigInput['rateLimit'] } = {},
  ) => {
    gw = await buildApp(
      parseConfig({
        logLevel: 'silent',
        auth: {
          issuer: provider.issuer,
          audience: AUDIENCE,
          discovery: true,
          introspection: { ...INTROSPECTION_CLIENT, ...introspection },
          ...more.auth,
        },
        ...(more.rateLimit ? { rateLimit: more.rateLimit } : {}),
        store: { sqlitePath: ':memory:' },
        systems: [unreachableSystem()],
      }),
    );
    return gw;
  };
  const now = () => Math.floor(Date.now() / 1000);
  const active = (user: string, extra: Record<string, unknown> = {}) => ({
    active: true,
    iss: provider.issuer,
    aud: AUDIENCE,
    exp: now() + 600,
    preferred_username: user,
    ...extra,
  });
  const list = (app: FastifyInstance, token: string, remoteAddress?: string) =>
    app.inject({
      method: 'GET',
      url: '/v3/jobs/list',
      headers: { authorization: `Bearer ${token}` },
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  let n = 0;
  const fresh = (name: string) => `opaque-${name}-${Date.now()}-${n++}`;

  it('asks once per token, however many requests (and concurrent ones share the call)', async () => {
    const app = await gateway();
    const token = fresh('cached');
    provider.introspection.set(token, active('olga'));
    const before = provider.hits.introspection;
    const first = await Promise.all(Array.from({ length: 10 }, () => list(app, token)));
    expect(first.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    for (let i = 0; i < 10; i++) expect((await list(app, token)).statusCode).toBe(200);
    expect(provider.hits.introspection).toBe(before + 1);
  });

  it('inactive answers are kept briefly, then asked again', async () => {
    const app = await gateway({ cacheNegativeSec: 1 });
    const token = fresh('unknown');
    const before = provider.hits.introspection;
    for (let i = 0; i < 5; i++) expect((await list(app, token)).statusCode).toBe(401);
    expect(provider.hits.introspection).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 1_100));
    // Meanwhile the provider learnt the token: the next request asks again and is let in.
    provider.introspection.set(token, active('olga'));
    expect((await list(app, token)).statusCode).toBe(200);
    expect(provider.hits.introspection).toBe(before + 2);
  });

  it("an active answer is not used past the token's exp", async () => {
    const app = await gateway({}, { auth: { minRemainingSec: 0, clockToleranceSec: 0 } });
    const token = fresh('expiring');
    provider.introspection.set(token, active('olga', { exp: now() + 2 }));
    const before = provider.hits.introspection;
    expect((await list(app, token)).statusCode).toBe(200);
    expect((await list(app, token)).statusCode).toBe(200);
    expect(provider.hits.introspection).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await list(app, token)).statusCode).toBe(401);
    // The answer was dropped at exp, not kept for the full minute.
    expect(provider.hits.introspection).toBe(before + 2);
  });

  it('cacheMaxAgeSec 0 asks every time', async () => {
    const app = await gateway({ cacheMaxAgeSec: 0 });
    const token = fresh('uncached');
    provider.introspection.set(token, active('olga'));
    const before = provider.hits.introspection;
    for (let i = 0; i < 3; i++) expect((await list(app, token)).statusCode).toBe(200);
    expect(provider.hits.introspection).toBe(before + 3);
  });

  it('a flood of made-up opaque tokens from one client is cut off before the provider', async () => {
    const app = await gateway(
      { clientLimit: { requestsPerMinute: 1, burst: 5 } },
      // The per-user limit is on too, and generous: it is not what stops the flood.
      { rateLimit: { requestsPerMinute: 1000, burst: 1000 } },
    );
    const known = fresh('known');
    provider.introspection.set(known, active('olga'));
    expect((await list(app, known)).statusCode).toBe(200);

    const before = provider.hits.introspection;
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) statuses.push((await list(app, fresh('flood'))).statusCode);
    expect(provider.hits.introspection - before).toBe(4); // the rest of the burst of 5
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(new Set(statuses.slice(4))).toEqual(new Set([429]));
    const limited = await list(app, fresh('flood'));
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    // What costs the provider nothing still works from that client: a cached token and a JWT.
    expect((await list(app, known)).statusCode).toBe(200);
    expect((await list(app, await provider.token('olga'))).statusCode).toBe(200);
    // Another client has its own budget.
    const other = fresh('other-client');
    provider.introspection.set(other, active('bob'));
    expect((await list(app, other, '10.1.2.3')).statusCode).toBe(200);
    expect(provider.hits.introspection - before).toBe(5);
  });
});
