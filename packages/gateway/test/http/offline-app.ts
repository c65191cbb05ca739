import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig, GatewayConfigInput } from '../../src/config/schema.js';
import { createTestIssuer, type TestIssuer } from '../helpers/tokens.js';

/**
 * An execution system nobody listens on (127.0.0.1, port 9): for tests of the HTTP layer that never
 * reach a cluster. The monitors have nothing to watch, so nothing connects.
 */
export function unreachableSystem(): GatewayConfigInput['systems'][number] {
  return {
    id: 'offline',
    host: '127.0.0.1',
    port: 9,
    hostKey: 'insecure-accept-any',
    user: 'hpcgate',
    privateKeyPath: '/nonexistent/id_ed25519',
    userKeysDir: mkdtempSync(join(tmpdir(), 'hpcgate-keys-')),
  };
}

/** A gateway config without a cluster, its tokens from `issuer`'s JWKS file. */
export function offlineConfig(
  issuer: TestIssuer,
  overrides: Partial<GatewayConfigInput> = {},
): GatewayConfig {
  return parseConfig({
    logLevel: 'silent',
    auth: { issuer: 'https://issuer.hpcgate.test', audience: 'hpcgate', jwksFile: issuer.jwksFile },
    store: { sqlitePath: ':memory:' },
    systems: [unreachableSystem()],
    // No cluster to read logs from: copies would only fail, and add to every history.
    outputs: { collect: false },
    ...overrides,
  });
}

export interface ListeningApp {
  app: FastifyInstance;
  issuer: TestIssuer;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
}

/** `buildApp` then `listen({ port: 0 })`: a real socket, so Node's HTTP parser is exercised. */
export async function listeningApp(
  overrides: Partial<GatewayConfigInput> = {},
  fastifyOptions: FastifyServerOptions = {},
): Promise<ListeningApp> {
  const issuer = await createTestIssuer();
  const app = await buildApp(offlineConfig(issuer, overrides), fastifyOptions);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, issuer, url: `http://127.0.0.1:${port}`, port };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request over a fresh socket with node:http (no fetch: it refuses some of what we send). */
export function send(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: {
          ...(opts.body === undefined
            ? {}
            : {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(opts.body),
              }),
          ...opts.headers,
        },
        agent: false,
        // Our own client must not be the one refusing big headers.
        maxHeaderSize: 1024 * 1024,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Writes raw bytes on a fresh socket and reads until the server closes it or `ms` pass: for
 * requests node:http refuses to send, and to see exactly what the server answers.
 */
export function sendRaw(port: number, bytes: string, ms = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, ms);
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      text += c;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close while we still write (EPIPE/ECONNRESET): what it said is in `text`.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
      clearTimeout(timer);
      reject(err);
    });
    socket.write(bytes);
  });
}

/** Status line, headers and body of a raw HTTP/1.1 answer. */
export function parseRaw(raw: string): { status: number; headers: string; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  return { status, headers: head, body: end < 0 ? '' : raw.slice(end + 4) };
}
