import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCE,
  INTROSPECTION_CLIENT,
  startGateway,
  startProvider,
  type TestProvider,
} from './fake-idp.js';

// Bearer tokens against an OpenID provider found by discovery (a tiny HTTP server on 127.0.0.1),
// through the gateway's HTTP API.
let provider: TestProvider;
let app: FastifyInstance;
const logs: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  provider = await startProvider();
  app = await startGateway(
    provider,
    { auth: { jwksCooldownSec: 1 } },
    // Everything the gateway logs, to look for tokens in it.
    { logger: { level: 'trace', stream: { write: (line: string) => logs.push(line) } } },
  );
});
afterAll(async () => {
  await app?.close();
  await provider?.close();
});

async function call(
  gateway: FastifyInstance,
  authorization: string | undefined,
  method: 'GET' | 'POST',
  url: string,
  payload?: object,
) {
  const res = await gateway.inject({
    method,
    url,
    headers: authorization === undefined ? {} : { authorization },
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, headers: res.headers, text: res.body, body: res.json() };
}
const bearer = (token: string) => `Bearer ${token}`;
const list = (gateway: FastifyInstance, token: string) =>
  call(gateway, bearer(token), 'GET', '/v3/jobs/list');
const quickJob = { name: 'auth-quick', execSystemId: 'sandbox', command: 'true' };

describe('JWT verification with keys found by OIDC discovery (fake identity provider)', () => {
  it('fetches the discovery document and the JWKS once, then accepts valid tokens', async () => {
    expect(provider.hits).toMatchObject({ discovery: 0, jwks: 0 });
    const res = await list(app, await provider.token('alice'));
    expect(res.status).toBe(200);
    expect(res.body.jobs).toEqual([]);
    for (let i = 0; i < 3; i++) {
      expect((await list(app, await provider.token('alice'))).status).toBe(200);
    }
    expect(provider.hits).toMatchObject({ discovery: 1, jwks: 1 });
  });

  it('names the owner by preferred_username, or by sub when the token has none', async () => {
    const named = await call(
      app,
      bearer(await provider.token('alice')),
      'POST',
      '/v3/jobs/submit',
      quickJob,
    );
    expect(named.status).toBe(201);
    expect(named.body.owner).toBe('alice');
    const subOnly = await provider.sign({ sub: 'f3b0c-only-sub' });
    const bySub = await call(app, bearer(subOnly), 'POST', '/v3/jobs/submit', quickJob);
    expect(bySub.status).toBe(201);
    expect(bySub.body.owner).toBe('f3b0c-only-sub');
    // Another user does not see them.
    const other = await call(
      app,
      bearer(await provider.token('bob')),
      'GET',
      `/v3/jobs/${named.body.id}`,
    );
    expect(other.status).toBe(404);
  });

  it('a token that expires within the skew but has lifetime left, or whose nbf is within the skew, is accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const user = { preferred_username: 'alice' };
    expect((await list(app, await provider.sign({ ...user, exp: now + 60 }))).status).toBe(200);
    expect((await list(app, await provider.sign({ ...user, nbf: now + 10 }))).status).toBe(200);
    // "bearer" is case-insensitive (RFC 7235).
    const res = await call(app, `bearer ${await provider.token('alice')}`, 'GET', '/v3/jobs/list');
    expect(res.status).toBe(200);
  });

  it('refuses every bad token with 401 and WWW-Authenticate, shows no token or stack, creates nothing', async () => {
    const bad = await provider.bad('mallory');
    const cases: [string, string | undefined][] = [
      ['no Authorization header', undefined],
      ['empty bearer', 'Bearer '],
      ['another scheme', `Basic ${Buffer.from('mallory:pw').toString('base64')}`],
      ['two tokens', `Bearer ${await provider.token('mallory')} x`],
      ['garbage', 'Bearer not.a.jwt'],
      ...Object.entries(bad).map(([name, token]): [string, string] => [name, bearer(token)]),
    ];
    for (const [name, authorization] of cases) {
      const res = await call(app, authorization, 'POST', '/v3/jobs/submit', {
        ...quickJob,
        name: 'evil',
      });
      expect(res.status, name).toBe(401);
      expect(res.headers['www-authenticate'], name).toBe('Bearer error="invalid_token"');
      expect(res.body.error.code, name).toBe('UNAUTHENTICATED');
      expect(Object.keys(res.body), name).toEqual(['error']);
      expect(res.text, name).not.toMatch(/\n\s+at |Error:/);
      if (authorization) {
        const token = authorization.split(' ')[1]!;
        if (token.length > 8) expect(res.text, name).not.toContain(token);
      }
      // Reading is refused the same way.
      const read = await call(app, authorization, 'GET', '/v3/jobs/list');
      expect(read.status, name).toBe(401);
    }
    // Nothing was created, under any of the names the tokens claim.
    for (const user of ['mallory', 'mallory-x', 'sub-mallory']) {
      const mine = await list(app, await provider.token(user));
      expect(mine.status).toBe(200);
      expect(mine.body.jobs, user).toEqual([]);
    }
    for (const user of ['sub-mallory', 'mallory-x']) {
      expect((await app.store.list(user, { limit: 100 })).jobs).toEqual([]);
    }
    // No token (nor any token's signature) ever reached the log.
    const log = logs.join('');
    expect(log.length).toBeGreaterThan(0);
    for (const [, authorization] of cases) {
      if (!authorization) continue;
      for (const part of authorization.split(/[ .]/)) {
        if (part.length > 20) expect(log).not.toContain(part);
      }
    }
  });

  it('refetches the JWKS for an unknown kid (key rotation), at most once per cooldown', async () => {
    await sleep(1_100); // past the cooldown of the last fetch
    const before = provider.hits.jwks;
    await provider.addKey('k2');
    const rotated = await provider.token('alice', {}, 'k2');
    expect((await list(app, rotated)).status).toBe(200);
    expect(provider.hits.jwks).toBe(before + 1);
    // Known now: no further fetch.
    expect((await list(app, rotated)).status).toBe(200);
    expect(provider.hits.jwks).toBe(before + 1);
    // Tokens naming keys nobody published: within the cooldown, no fetch at all.
    const { 'signed by a key nobody published': unknown } = await provider.bad('mallory');
    for (let i = 0; i < 5; i++) expect((await list(app, unknown!)).status).toBe(401);
    expect(provider.hits.jwks).toBe(before + 1);
    // After it, one fetch, still 401.
    await sleep(1_100);
    for (let i = 0; i < 5; i++) expect((await list(app, unknown!)).status).toBe(401);
    expect(provider.hits.jwks).toBe(before + 2);
    expect(provider.hits.discovery).toBe(1);
  });
});

describe('an identity provider that cannot be reached', () => {
  it('gives 503 AUTH_UNAVAILABLE (never 401), without internal addresses, and recovers', async () => {
    const gw = await startGateway(provider, {
      auth: { httpTimeoutMs: 300, jwksCacheMaxAgeSec: 1, jwksCooldownSec: 0 },
    });
    const token = await provider.token('alice');
    const unavailable = async (what: string) => {
      const res = await list(gw, token);
      expect(res.status, what).toBe(503);
      expect(res.body.error.code, what).toBe('AUTH_UNAVAILABLE');
      expect(res.headers['www-authenticate'], what).toBeUndefined();
      expect(res.headers['retry-after'], what).toBeDefined();
      expect(res.text, what).not.toContain('127.0.0.1');
    };
    try {
      provider.jwksMode = 500;
      await unavailable('JWKS answers 500');
      provider.jwksMode = 'hang';
      const t0 = Date.now();
      await unavailable('JWKS never answers');
      expect(Date.now() - t0).toBeLessThan(3_000);
      provider.jwksMode = 'ok';
      expect((await list(gw, token)).status).toBe(200);
      // Nothing submitted while the keys could not be fetched.
      await provider.down();
      await sleep(1_100); // the cached JWKS is now stale
      const submit = await call(gw, `Bearer ${token}`, 'POST', '/v3/jobs/submit', quickJob);
      expect(submit.status).toBe(503);
      await unavailable('provider down, cache stale');
      // A gateway that starts while the provider is down: discovery itself fails.
      const late = await startGateway(provider);
      try {
        expect((await list(late, token)).status).toBe(503);
        await provider.up();
        expect((await list(late, token)).status).toBe(200);
        expect((await list(gw, token)).status).toBe(200);
      } finally {
        await late.close();
      }
      expect((await gw.store.list('alice', { limit: 100 })).jobs).toEqual([]);
    } finally {
      provider.jwksMode = 'ok';
      if (!(await isUp())) await provider.up();
      await gw.close();
    }
  });
});

async function isUp(): Promise<boolean> {
  try {
    await fetch(`${provider.issuer}/jwks`);
    return true;
  } catch {
    return false;
  }
}

describe('opaque tokens by introspection (RFC 7662)', () => {
  let gw: FastifyInstance;
  beforeAll(async () => {
    gw = await startGateway(provider, { auth: { introspection: { ...INTROSPECTION_CLIENT } } });
  });
  afterAll(() => gw?.close());

  const now = () => Math.floor(Date.now() / 1000);
  const active = (extra: Record<string, unknown> = {}) => ({
    active: true,
    iss: provider.issuer,
    aud: ['account', AUDIENCE],
    exp: now() + 600,
    preferred_username: 'olga',
    sub: 'sub-olga',
    ...extra,
  });

  it('accepts an active token for our audience; the endpoint comes from discovery', async () => {
    provider.introspection.set('opaque-olga', active());
    const before = provider.hits.introspection;
    const res = await call(gw, 'Bearer opaque-olga', 'POST', '/v3/jobs/submit', quickJob);
    expect(res.status).toBe(201);
    expect(res.body.owner).toBe('olga');
    expect(provider.hits.introspection).toBe(before + 1);
    // JWTs are still verified locally, never introspected.
    expect((await list(gw, await provider.token('olga'))).status).toBe(200);
    expect(provider.hits.introspection).toBe(before + 1);
  });

  it('refuses inactive, unknown, foreign and expiring tokens with 401', async () => {
    const cases: Record<string, Record<string, unknown> | undefined> = {
      inactive: { ...active(), active: false },
      'active as a string': { ...active(), active: 'true' },
      unknown: undefined,
      'wrong audience': active({ aud: 'someone-else' }),
      'no audience': active({ aud: undefined }),
      'wrong issuer': active({ iss: 'https://evil.example' }),
      'no issuer': active({ iss: undefined }),
      expired: active({ exp: now() - 3600 }),
      'expires in 5 s': active({ exp: now() + 5 }),
      'not yet valid': active({ nbf: now() + 3600 }),
      'no owner': active({ preferred_username: undefined, sub: undefined }),
    };
    for (const [name, answer] of Object.entries(cases)) {
      const token = `opaque-${name.replaceAll(' ', '-')}`;
      if (answer) provider.introspection.set(token, answer);
      const res = await call(gw, bearer(token), 'POST', '/v3/jobs/submit', quickJob);
      expect(res.status, name).toBe(401);
      expect(res.headers['www-authenticate'], name).toBe('Bearer error="invalid_token"');
    }
    expect((await gw.store.list('olga', { limit: 100 })).jobs).toHaveLength(1);
  });

  it('an introspection endpoint that refuses our client is 503, not 401', async () => {
    // A token the gateway has not seen: 'opaque-olga' is answered from its cache by now.
    provider.introspection.set('opaque-olga-2', active());
    provider.introspectionClient.clientSecret = 'rotated';
    try {
      const res = await list(gw, 'opaque-olga-2');
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('AUTH_UNAVAILABLE');
    } finally {
      provider.introspectionClient.clientSecret = INTROSPECTION_CLIENT.clientSecret;
    }
    // The failure was not cached: the next request asks again, and is let in.
    expect((await list(gw, 'opaque-olga-2')).status).toBe(200);
  });
});
