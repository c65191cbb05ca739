import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { unreachableSystem } from '../http/offline-app.js';
import { BrowserSession } from './browser-session.js';

// The web page's sign-in against the real dev OIDC provider (authorization code with PKCE, its
// real login form) and a real gateway on a socket. No cluster: the system is unreachable.

let op: DevOidcProvider;
let app: FastifyInstance;
let gw: string;
let sqlite: string;
let log: string;

function builtPage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hpcgate-page-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>hpcgate</title><script type="module" src="/assets/app-1a2b.js"></script>',
  );
  writeFileSync(
    join(dir, 'assets', 'app-1a2b.js'),
    `console.log(${JSON.stringify('x'.repeat(2000))})`,
  );
  return dir;
}

async function startPair(accessTokenTtlSec: number, web: Record<string, unknown> = {}) {
  const provider = await startDevOidcProvider({ accessTokenTtlSec });
  const dbPath = join(mkdtempSync(join(tmpdir(), 'hpcgate-web-')), 'gateway.db');
  const logFile = join(dirname(dbPath), 'gateway.log');
  const config = parseConfig({
    logLevel: 'info',
    logFile,
    auth: {
      issuer: provider.issuer,
      discovery: true,
      audience: 'hpcgate',
      adminClaim: 'groups',
      adminValue: 'hpcgate-admins',
    },
    store: { sqlitePath: dbPath },
    systems: [unreachableSystem()],
    outputs: { collect: false },
    // The tests sign in often from one address: the per-address limit has its own test.
    web: {
      clientId: 'hpcgate-web',
      assetsDir: builtPage(),
      loginLimit: { requestsPerMinute: 10_000, burst: 1_000 },
      ...web,
    },
  });
  const gateway = await buildApp(config);
  const url = await gateway.listen({ host: '127.0.0.1', port: 0 });
  return { provider, gateway, url, dbPath, logFile };
}

beforeAll(async () => {
  ({ provider: op, gateway: app, url: gw, dbPath: sqlite, logFile: log } = await startPair(3600));
});

afterAll(async () => {
  await app?.close();
  await op?.close();
});

/** Through the provider's real login form; resolves to the page the browser lands on. */
async function signIn(browser: BrowserSession, username: string, returnTo = '/', at = gw) {
  const start = await browser.get(`${at}/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  expect(start.status).toBe(302);
  const form = await browser.follow(start, `${at}/auth/login`);
  expect(form.res.status).toBe(200);
  expect(form.url).toMatch(/\/interaction\//);
  await form.res.body?.cancel();
  const posted = await browser.request(`${form.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: username }).toString(),
  });
  return browser.follow(posted, `${form.url}/login`);
}

async function session(browser: BrowserSession) {
  const res = await browser.get(`${gw}/auth/session`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function post(
  browser: BrowserSession,
  path: string,
  body: unknown,
  headers: Record<string, string>,
) {
  return browser.request(`${gw}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

describe('signing in to the web page', () => {
  it('runs the code flow with PKCE and sets only an HttpOnly, Secure, SameSite=Strict cookie', async () => {
    const browser = new BrowserSession();
    const start = await browser.get(
      `${gw}/auth/login?returnTo=${encodeURIComponent('/jobs/x?a=1')}`,
    );
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(op.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('client_id')).toBe('hpcgate-web');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${gw}/auth/callback`);
    const login = browser.cookie(gw, '__Host-hpcgate-login');
    expect(login?.attrs).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']),
    );
    await start.body?.cancel();

    const landed = await signIn(new BrowserSession(), 'alice', '/jobs/x?a=1');
    expect(landed.url).toBe(`${gw}/jobs/x?a=1`);
    expect(landed.res.status).toBe(200);
    expect(landed.res.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('answers /auth/session and the API for the signed-in person, and nothing without the cookie', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'alice');
    const cookie = browser.cookie(gw, '__Host-hpcgate-session');
    expect(cookie?.attrs).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']),
    );
    expect(browser.cookie(gw, '__Host-hpcgate-login')).toBeUndefined();
    const me = await session(browser);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ username: 'alice', isAdmin: false });
    expect(me.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const list = await browser.get(`${gw}/v3/jobs/list`);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ jobs: [], nextCursor: null });

    const anonymous = await session(new BrowserSession());
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses a state-changing call with the cookie but without the CSRF token or from another origin', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'alice');
    const { csrfToken } = (await session(browser)).body as { csrfToken: string };
    const stop = { selector: { names: ['nothing-*'] }, mode: 'cancel' };

    const bare = await post(browser, '/v3/jobs/stop', stop, {});
    expect(bare.status).toBe(403);
    expect(await bare.json()).toMatchObject({ error: { code: 'CSRF_FAILED' } });
    const wrong = await post(browser, '/v3/jobs/stop', stop, { 'x-csrf-token': `${csrfToken}x` });
    expect(wrong.status).toBe(403);
    const elsewhere = await post(browser, '/v3/jobs/stop', stop, {
      'x-csrf-token': csrfToken,
      origin: 'https://evil.example',
    });
    expect(elsewhere.status).toBe(403);
    const crossSite = await post(browser, '/v3/jobs/stop', stop, {
      'x-csrf-token': csrfToken,
      'sec-fetch-site': 'cross-site',
    });
    expect(crossSite.status).toBe(403);

    const ok = await post(browser, '/v3/jobs/stop', stop, {
      'x-csrf-token': csrfToken,
      origin: gw,
      'sec-fetch-site': 'same-origin',
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'NO_JOBS_RUNNING' });
  });

  it('uses each login once, and refuses a callback whose state does not match', async () => {
    const browser = new BrowserSession();
    const start = await browser.get(`${gw}/auth/login`);
    let res = await browser.follow(start, `${gw}/auth/login`);
    await res.res.body?.cancel();
    const posted = await browser.request(`${res.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=bob&password=bob',
    });
    // Stop at the provider's redirect to the callback and replay it by hand.
    let hop = posted;
    let url = `${res.url}/login`;
    while (!hop.headers.get('location')?.startsWith(`${gw}/auth/callback`)) {
      res = await browser.follow(hop, url, 1);
      hop = res.res;
      url = res.url;
    }
    const callback = hop.headers.get('location')!;
    const tampered = callback.replace(/state=[^&]+/, 'state=forged');
    const refused = await browser.get(tampered);
    expect(refused.status).toBe(302);
    expect(refused.headers.get('location')).toBe('/?signInError=sign_in_refused');
    // The login was taken by the refused attempt: the real callback cannot be used after it.
    const replay = await browser.get(callback);
    expect(replay.headers.get('location')).toBe('/?signInError=login_expired');
    expect(browser.cookie(gw, '__Host-hpcgate-session')).toBeUndefined();
  });

  it('never returns to another site after signing in', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const landed = await signIn(new BrowserSession(), 'alice', returnTo);
      expect(landed.url).toBe(`${gw}/`);
    }
  });

  it('logs neither the sign-in code nor the session cookie', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'alice');
    const token = browser.cookie(gw, '__Host-hpcgate-session')!.value;
    await browser.get(`${gw}/v3/jobs/list`);
    const text = readFileSync(log, 'utf8');
    expect(text).toContain('/auth/callback?<redacted>');
    expect(text).not.toMatch(/code=/);
    expect(text).not.toContain(token);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('keeps only hashes of the cookies and sealed tokens in the store', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'bob');
    const token = browser.cookie(gw, '__Host-hpcgate-session')!.value;
    const store = new SqliteJobStore(sqlite);
    try {
      const rows = store.database.prepare('SELECT * FROM web_sessions').all() as Record<
        string,
        string
      >[];
      const all = JSON.stringify(rows);
      expect(rows.some((r) => r.username === 'bob')).toBe(true);
      expect(all).not.toContain(token);
      // No JWT (an access or ID token) in the clear.
      expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    } finally {
      store.close();
    }
  });

  it('signs out at the gateway and hands over the provider sign-out page', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'alice');
    const { csrfToken } = (await session(browser)).body as { csrfToken: string };
    const noCsrf = await post(browser, '/auth/logout', {}, {});
    expect(noCsrf.status).toBe(403);
    const out = await post(browser, '/auth/logout', {}, { 'x-csrf-token': csrfToken });
    expect(out.status).toBe(200);
    const { endSessionUrl } = (await out.json()) as { endSessionUrl: string };
    const end = new URL(endSessionUrl);
    expect(end.origin).toBe(op.issuer);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${gw}/`);
    expect(end.searchParams.get('client_id')).toBe('hpcgate-web');
    expect(end.searchParams.get('id_token_hint')).toBeNull();
    expect(browser.cookie(gw, '__Host-hpcgate-session')).toBeUndefined();
    // The provider accepts the gateway's sign-out request: it asks, then comes back to the page.
    const page = await browser.get(endSessionUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    const action = /action="([^"]+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    expect(action && xsrf).toBeTruthy();
    const confirmed = await browser.request(new URL(action!, op.issuer).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ xsrf: xsrf!, logout: 'yes' }).toString(),
    });
    const back = await browser.follow(confirmed, new URL(action!, op.issuer).href);
    expect(back.url).toBe(`${gw}/`);
  });

  it('ends the session for good once signed out, even if the old cookie is replayed', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'alice');
    const old = browser.cookie(gw, '__Host-hpcgate-session')!.value;
    const { csrfToken } = (await session(browser)).body as { csrfToken: string };
    await post(browser, '/auth/logout', {}, { 'x-csrf-token': csrfToken });
    const replayed = await fetch(`${gw}/v3/jobs/list`, {
      headers: { cookie: `__Host-hpcgate-session=${old}` },
    });
    expect(replayed.status).toBe(401);
  });
});

describe('admins in the web page', () => {
  it('list every user’s jobs with owner=*, which anyone else is refused', async () => {
    const admin = new BrowserSession();
    await signIn(admin, 'admin');
    expect((await session(admin)).body).toMatchObject({ username: 'admin', isAdmin: true });
    expect((await admin.get(`${gw}/v3/jobs/list?owner=*`)).status).toBe(200);
    expect((await admin.get(`${gw}/v3/jobs/list?owner=alice`)).status).toBe(200);
    const alice = new BrowserSession();
    await signIn(alice, 'alice');
    const refused = await alice.get(`${gw}/v3/jobs/list?owner=*`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { code: 'FORBIDDEN', details: { field: 'querystring.owner' } },
    });
    expect((await alice.get(`${gw}/v3/jobs/list?owner=alice`)).status).toBe(200);

    const stream = new AbortController();
    const all = await admin.request(`${gw}/v3/jobs/events?owner=*`, { signal: stream.signal });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toMatch(/text\/event-stream/);
    stream.abort();
    const notAdmin = await alice.get(`${gw}/v3/jobs/events?owner=bob`);
    expect(notAdmin.status).toBe(403);
  });
});

describe('the page itself', () => {
  it('is served with a strict CSP and the security headers, its assets compressed and cached', async () => {
    const page = await fetch(`${gw}/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const deep = await fetch(`${gw}/jobs/7f6e5d4c-0000-4000-8000-000000000000`);
    expect(await deep.text()).toBe(await page.text());

    const asset = await fetch(`${gw}/assets/app-1a2b.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(await asset.text()).toContain('xxxx');
    const again = await fetch(`${gw}/assets/app-1a2b.js`, {
      headers: { 'if-none-match': asset.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect((await fetch(`${gw}/assets/../index.html`)).status).not.toBe(200);
    expect((await fetch(`${gw}/assets/nope.js`)).status).toBe(404);

    const api = await fetch(`${gw}/v3/jobs/list`);
    expect(api.status).toBe(401);
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
  });
});

describe('a session outliving its access token', () => {
  it('is refreshed by the gateway with the refresh token, the browser seeing nothing of it', async () => {
    // Tokens of 11 s, refused with less than 10 s left (auth.minRemainingSec): stale after 1 s.
    const pair = await startPair(11);
    try {
      const browser = new BrowserSession();
      await signIn(browser, 'alice', '/', pair.url);
      const sealed = () => {
        const store = new SqliteJobStore(pair.dbPath);
        try {
          return (
            store.database.prepare('SELECT sealed FROM web_sessions').get() as { sealed: string }
          ).sealed;
        } finally {
          store.close();
        }
      };
      const first = sealed();
      let refreshed = false;
      for (let i = 0; i < 60 && !refreshed; i++) {
        const res = await browser.get(`${pair.url}/auth/session`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ username: 'alice' });
        refreshed = sealed() !== first;
        if (!refreshed) await new Promise((r) => setTimeout(r, 250));
      }
      expect(refreshed).toBe(true);
      expect((await browser.get(`${pair.url}/v3/jobs/list`)).status).toBe(200);
    } finally {
      await pair.gateway.close();
      await pair.provider.close();
    }
  });
});

describe('sign-in under pressure', () => {
  it('limits the sign-ins one address starts, so nobody can fill the pending logins for all', async () => {
    const pair = await startPair(3600, { loginLimit: { requestsPerMinute: 1, burst: 3 } });
    try {
      const answers: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${pair.url}/auth/login`, { redirect: 'manual' });
        answers.push(res.status);
        if (res.status === 429) {
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
          expect(await res.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
        } else await res.body?.cancel();
      }
      expect(answers).toEqual([302, 302, 302, 429, 429]);
    } finally {
      await pair.gateway.close();
      await pair.provider.close();
    }
  });

  it('signs out even while the provider is down; the session is gone for good', async () => {
    const pair = await startPair(3600);
    const browser = new BrowserSession();
    try {
      await signIn(browser, 'alice', '/', pair.url);
      const me = await browser.get(`${pair.url}/auth/session`);
      const { csrfToken } = (await me.json()) as { csrfToken: string };
      await pair.provider.close();
      const out = await browser.request(`${pair.url}/auth/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
        body: '{}',
      });
      expect(out.status).toBe(200);
      expect(browser.cookie(pair.url, '__Host-hpcgate-session')).toBeUndefined();
      const store = new SqliteJobStore(pair.dbPath);
      try {
        expect(store.database.prepare('SELECT count(*) AS n FROM web_sessions').get()).toEqual({
          n: 0,
        });
      } finally {
        store.close();
      }
    } finally {
      await pair.gateway.close();
    }
  });

  it('an open event stream of the session ends when it signs out', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'alice');
    const { csrfToken } = (await session(browser)).body as { csrfToken: string };
    const stream = await browser.get(`${gw}/v3/jobs/events`);
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    await post(browser, '/auth/logout', {}, { 'x-csrf-token': csrfToken });
    expect(await ended).toBe(true);
  });

  it('a new sign-in in the same browser ends the session it replaces', async () => {
    const browser = new BrowserSession();
    await signIn(browser, 'alice');
    const first = browser.cookie(gw, '__Host-hpcgate-session')!.value;
    // The provider remembers alice: signing in again goes straight back, no form.
    const again = await browser.follow(await browser.get(`${gw}/auth/login`), `${gw}/auth/login`);
    expect(again.url).toBe(`${gw}/`);
    const second = browser.cookie(gw, '__Host-hpcgate-session')!.value;
    expect(second).not.toBe(first);
    const old = await fetch(`${gw}/v3/jobs/list`, {
      headers: { cookie: `__Host-hpcgate-session=${first}` },
    });
    expect(old.status).toBe(401);
    expect((await browser.get(`${gw}/v3/jobs/list`)).status).toBe(200);
  });
});
