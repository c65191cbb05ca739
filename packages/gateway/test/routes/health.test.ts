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
