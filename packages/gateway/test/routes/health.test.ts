import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { sandboxSystem, testConfig } from '../helpers/sandbox-config.js';
import { createTestIssuer } from '../helpers/tokens.js';

describe('health against the real sandbox cluster', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildApp(testConfig([sandboxSystem()], (await createTestIssuer()).jwksFile));
  });
  afterAll(() => app.close());

  it('/healthz reports the cluster reachable over SSH, with a latency', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.systems.sandbox).toMatchObject({ reachable: true, error: null });
    expect(body.systems.sandbox.latencyMs).toBeGreaterThan(0);
  });

  it('/readyz is ready when every system answers', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('ready');
    // SQLite: one embedded connection, no pool to show.
    expect(res.json().store).toEqual({ ok: true, error: null, pool: null });
    // The probe's service-account connection is open, under the bound.
    expect(res.json().systems.sandbox.connections).toEqual({ open: 1, max: 32 });
  });
});

describe('health with one system that cannot be reached', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const down = sandboxSystem({ id: 'down', port: 1, connectTimeoutMs: 2_000 });
    app = await buildApp(testConfig([sandboxSystem(), down], (await createTestIssuer()).jwksFile));
  });
  afterAll(() => app.close());

  it('/healthz stays 200 (the gateway lives) and names the unreachable system', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    const { systems } = res.json();
    expect(systems.sandbox.reachable).toBe(true);
    expect(systems.down).toMatchObject({ reachable: false, latencyMs: null });
    expect(systems.down.error).toMatch(/ECONNREFUSED|cannot connect/);
    // Unauthenticated: it names the system, never the account, host or port behind it.
    expect(res.body).not.toContain(`${sandboxSystem().user}@`);
    expect(res.body).not.toContain(sandboxSystem().host);
  });

  it('/readyz answers 503 not_ready', async () => {
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe('not_ready');
  });

  it('an unknown route is a 404 with the error envelope', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'ROUTE_NOT_FOUND', message: 'no route GET /nope' },
    });
  });
});

describe('host keys are verified', () => {
  it('a wrong pinned key: unreachable, the error names the system and the key seen, no command sent', async () => {
    const wrong = 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const system = sandboxSystem({ id: 'impostor', hostKey: { fingerprints: [wrong] } });
    const issuer = await createTestIssuer();
    const app = await buildApp(testConfig([system], issuer.jwksFile));
    try {
      const { systems } = (await app.inject({ method: 'GET', url: '/healthz' })).json();
      expect(systems.impostor.reachable).toBe(false);
      expect(systems.impostor.error).toMatch(/cannot connect to impostor: host key not trusted/);
      const offered = /offered (\S+) (SHA256:\S+),/.exec(systems.impostor.error);
      expect(offered).not.toBeNull();
      // The key it saw is one of the sandbox's real host keys (as its env lists them).
      expect(process.env.HPCGATE_SSH_HOST_KEYS!.split(',')).toContain(offered![2]);
      // A submission to it never gets as far as a command: the script and env stay here.
      const res = await app.inject({
        method: 'POST',
        url: '/v3/jobs/submit',
        headers: { authorization: `Bearer ${await issuer.token('alice')}` },
        payload: { name: 'never', execSystemId: 'impostor', command: 'true', env: { K: 'v' } },
      });
      expect(res.statusCode).toBe(201);
      await expect
        .poll(async () => (await app.store.get(res.json().id))?.lastMessage, { timeout: 10_000 })
        .toMatch(/host key not trusted/);
      expect(app.systems.get('impostor')!.scheduler.commandsSent).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('the right key, pinned or from a known_hosts file, connects', async () => {
    const pinned = sandboxSystem({ id: 'pinned' });
    const known = sandboxSystem({
      id: 'known',
      hostKey: { knownHostsFile: process.env.HPCGATE_SSH_KNOWN_HOSTS! },
    });
    const app = await buildApp(testConfig([pinned, known], (await createTestIssuer()).jwksFile));
    try {
      const { systems } = (await app.inject({ method: 'GET', url: '/healthz' })).json();
      expect(systems.pinned).toMatchObject({ reachable: true, error: null });
      expect(systems.known).toMatchObject({ reachable: true, error: null });
    } finally {
      await app.close();
    }
  });
});
