import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ListeningApp, listeningApp, parseRaw, send, sendRaw } from './offline-app.js';

// Defects 11 and 5 (HTTP side), over a real socket: `inject` never runs Node's HTTP parser, which
// is what refuses big headers, long URLs and slow clients.

let gw: ListeningApp | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await gw?.app.close();
  gw = undefined;
});

const envelope = (text: string) => {
  const parsed = JSON.parse(text) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(typeof parsed.error.code).toBe('string');
  expect(typeof parsed.error.message).toBe('string');
  return parsed.error;
};

describe('big headers and long URLs', () => {
  it('a valid 20 KB token is accepted (Node refuses headers over 16 KB by default)', async () => {
    gw = await listeningApp();
    const token = await gw.issuer.token('bigtoken', { claims: { pad: 'x'.repeat(20_000) } });
    expect(token.length).toBeGreaterThan(20_000);
    const res = await send(gw.port, {
      path: '/v3/jobs/list',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ jobs: [], nextCursor: null });
  });

  it('an 80 KB header gets 431 in the error envelope', async () => {
    gw = await listeningApp();
    const raw = await sendRaw(
      gw.port,
      `GET /v3/jobs/list HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(80 * 1024)}\r\n\r\n`,
    );
    const res = parseRaw(raw);
    expect(res.status).toBe(431);
    expect(res.headers).toMatch(/content-type: application\/json/i);
    expect(envelope(res.body)).toMatchObject({ code: 'HEADERS_TOO_LARGE' });
  });

  it('a 20 KB URL gets 414 in the error envelope, before authentication', async () => {
    gw = await listeningApp();
    const res = await send(gw.port, { path: `/v3/jobs/list?name=${'a'.repeat(20_000)}` });
    expect(res.status).toBe(414);
    expect(envelope(res.text)).toMatchObject({ code: 'URI_TOO_LONG' });
    // Unknown routes too.
    const other = await send(gw.port, { path: `/nowhere/${'b'.repeat(9_000)}` });
    expect(other.status).toBe(414);
    expect(envelope(other.text).code).toBe('URI_TOO_LONG');
  });

  it('a URL longer than the whole header limit gets 431 in the envelope', async () => {
    gw = await listeningApp();
    const raw = await sendRaw(
      gw.port,
      `GET /v3/jobs/list?q=${'a'.repeat(70 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    const res = parseRaw(raw);
    expect(res.status).toBe(431);
    expect(envelope(res.body).code).toBe('HEADERS_TOO_LARGE');
  });

  it("Fastify's own routing and parser refusals are in the envelope too", async () => {
    gw = await listeningApp();
    const token = await gw.issuer.token('router');
    const auth = { authorization: `Bearer ${token}` };
    // A path parameter over Fastify's maxParamLength (100).
    const long = await send(gw.port, { path: `/v3/jobs/${'c'.repeat(200)}`, headers: auth });
    expect(long.status).toBe(414);
    expect(envelope(long.text).code).toBe('URI_TOO_LONG');
    // A URL that does not percent-decode.
    const bad = await send(gw.port, { path: '/v3/jobs/%zz', headers: auth });
    expect(bad.status).toBe(400);
    envelope(bad.text);
    // Not HTTP at all.
    const garbage = parseRaw(await sendRaw(gw.port, 'HELLO\r\n\r\n'));
    expect(garbage.status).toBe(400);
    expect(envelope(garbage.body).code).toBe('BAD_REQUEST');
  });
});

describe('server bounds from config.http', () => {
  it('a client that never finishes its headers gets 408 in the envelope, within the timeout', async () => {
    gw = await listeningApp({ http: { headersTimeoutMs: 1_000, requestTimeoutMs: 1_000 } });
    const started = Date.now();
    // Headers never end: no blank line.
    const raw = await sendRaw(gw.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 10_000);
    const elapsed = Date.now() - started;
    const res = parseRaw(raw);
    expect(res.status).toBe(408);
    expect(envelope(res.body).code).toBe('REQUEST_TIMEOUT');
    expect(elapsed).toBeLessThan(4_000);
  });

  it('sets the timeouts and the connection cap on the Node server', async () => {
    gw = await listeningApp({
      http: {
        requestTimeoutMs: 20_000,
        headersTimeoutMs: 5_000,
        keepAliveTimeoutMs: 7_000,
        socketTimeoutMs: 400_000,
        maxConnections: 3,
      },
    });
    const server = gw.app.server;
    expect(server.requestTimeout).toBe(20_000);
    expect(server.headersTimeout).toBe(5_000);
    expect(server.keepAliveTimeout).toBe(7_000);
    expect(server.timeout).toBe(400_000);
    expect(server.maxConnections).toBe(3);
  });

  it('connections past maxConnections are closed at once; the others are served', async () => {
    gw = await listeningApp({ http: { maxConnections: 2 } });
    const { port } = gw;
    for (let i = 0; i < 2; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      await new Promise((r) => s.once('connect', r));
    }
    await new Promise((r) => setTimeout(r, 50));
    const refused = await sendRaw(port, 'GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n', 3_000);
    expect(refused).toBe('');
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const served = parseRaw(
      await sendRaw(port, 'GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    expect(served.status).toBe(200);
  });

  it('a body over bodyLimitBytes gets 413 in the envelope; a 1 MiB script fits by default', async () => {
    gw = await listeningApp({ http: { bodyLimitBytes: 64 * 1024 } });
    const token = await gw.issuer.token('bodylimit');
    const res = await send(gw.port, {
      method: 'POST',
      path: '/v3/jobs/stop',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ selector: { names: ['x'.repeat(100)] }, pad: 'y'.repeat(70 * 1024) }),
    });
    expect(res.status).toBe(413);
    envelope(res.text);
    expect(gw.app.initialConfig.bodyLimit).toBe(64 * 1024);
    await gw.app.close();
    gw = await listeningApp();
    expect(gw.app.initialConfig.bodyLimit).toBeGreaterThan(2 * 1024 * 1024);
  });
});
