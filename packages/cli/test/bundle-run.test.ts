import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { sampleJob } from '@hpcgate/contract/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli } from '../bundle/bundle.mjs';

// The bundled CLI as `hpcgate` runs it (bundle/bundle.mjs: its stand-ins for the contract, for
// Node modules, for debug and assert, the plain-command path without yargs), against a local
// gateway double. Which bundles a run loaded shows in the code caches it left behind: a bundle
// loaded without a cache gets one at exit.
const TOKEN = 'bundle-test-token';
const job = sampleJob();
const root = mkdtempSync(join(tmpdir(), 'hpcgate-bundle-'));
const dist = join(root, 'dist');
let server: Server;
let url: string;
let answer: unknown = job;
let encoding: 'gzip' | 'br' | undefined;
const seen: {
  method?: string;
  url?: string;
  auth?: string;
  body: string;
  key?: string;
  accept?: string;
}[] = [];

beforeAll(async () => {
  mkdirSync(dist);
  copyFileSync(
    fileURLToPath(new URL('../package.json', import.meta.url)),
    join(root, 'package.json'),
  );
  await bundleCli({ dist, source: true });
  server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({
      method: req.method,
      url: req.url,
      auth: req.headers.authorization,
      body,
      key: req.headers['idempotency-key'] as string | undefined,
      accept: req.headers['accept-encoding'],
    });
    const list = req.url?.startsWith('/v3/jobs/list');
    const text = JSON.stringify(list ? { jobs: [answer], nextCursor: null } : answer);
    if (!encoding) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(text);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
    res.end(encoding === 'gzip' ? gzipSync(text) : brotliCompressSync(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

function hpcgate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return hpcgateWith({ HPCGATE_URL: url, HPCGATE_TOKEN: TOKEN }, ...args);
}

function hpcgateWith(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(dist, 'bin.cjs'), ...args],
      { env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A port nothing listens on (any more). */
async function closedPort(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  return port;
}

/** The bundles (by name, without the hash) that some run has loaded so far. */
const loaded = () =>
  readdirSync(dist)
    .filter((f) => f.endsWith('.cache'))
    .map((f) => f.replace(/-[A-Z0-9]+\.cjs\..*$/, ''))
    .sort();

describe('the bundled CLI', () => {
  it('jobs get: the job, with neither yargs nor zod loaded', async () => {
    // The build ran `--help` once (yargs), for the code caches.
    expect(loaded()).toEqual(['cli', 'yargs']);
    const r = await hpcgate('jobs', 'get', job.id);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(new RegExp(`^id: +${job.id}$`, 'm'));
    expect(r.stdout).toMatch(/^status: +RUNNING$/m);
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      url: `/v3/jobs/${job.id}`,
      auth: `Bearer ${TOKEN}`,
    });
    expect(loaded()).toEqual(['cli', 'sdk', 'yargs']);
    const json = await hpcgate('jobs', 'get', job.id, '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(job);
  });

  it('a stored sign-in whose token is fresh: used as it is, openid-client not even loaded', async () => {
    const configDir = join(root, 'config');
    mkdirSync(configDir);
    const signIn = {
      grant: 'device',
      issuer: 'https://idp.invalid',
      clientId: 'hpcgate-cli',
      refreshToken: 'stored-refresh-token',
      accessToken: 'stored-access-token',
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify({ profiles: { default: { url } }, signIns: { default: signIn } }),
    );
    const r = await hpcgateWith({ HPCGATE_CONFIG_DIR: configDir }, 'jobs', 'get', job.id);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(seen.at(-1)?.auth).toBe('Bearer stored-access-token');
    expect(loaded()).not.toContain('oidc');
  });

  it('a stored sign-in to renew: openid-client (its own bundle) asks the identity provider', async () => {
    const idp = `http://127.0.0.1:${await closedPort()}`;
    const configDir = join(root, 'expired');
    mkdirSync(configDir);
    const signIn = {
      grant: 'device',
      issuer: `${idp}/idp`,
      clientId: 'hpcgate-cli',
      refreshToken: 'stored-refresh-token',
      accessToken: 'stored-access-token',
      accessTokenExpiresAt: '2020-01-01T00:00:00.000Z',
    };
    writeFileSync(
      join(configDir, 'config.json'),
      JSON.stringify({ profiles: { default: { url } }, signIns: { default: signIn } }),
    );
    const before = seen.length;
    const r = await hpcgateWith({ HPCGATE_CONFIG_DIR: configDir }, 'jobs', 'get', job.id);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`hpcgate: cannot reach the identity provider at ${idp}: ECONNREFUSED\n`);
    expect(seen.length).toBe(before);
    expect(loaded()).toContain('oidc');
  });

  it('https: node:https and tls, loaded on use', async () => {
    const port = await closedPort();
    const r = await hpcgateWith(
      { HPCGATE_URL: `https://127.0.0.1:${port}`, HPCGATE_TOKEN: TOKEN },
      'jobs',
      'get',
      job.id,
    );
    expect(r).toMatchObject({
      code: 5,
      stderr: 'hpcgate: cannot reach the gateway: ECONNREFUSED\n',
    });
  });

  it.each(['gzip', 'br'] as const)('a %s answer: node:zlib, loaded for it', async (e) => {
    encoding = e;
    try {
      const r = await hpcgate('jobs', 'get', job.id, '--json');
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(r.stdout)).toEqual(job);
      expect(seen.at(-1)?.accept).toBe('gzip, compress, deflate, br');
    } finally {
      encoding = undefined;
    }
  });

  it('through yargs: jobs list, --help', async () => {
    const list = await hpcgate('jobs', 'list');
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toContain(job.id);
    expect(seen.at(-1)?.url).toMatch(/^\/v3\/jobs\/list/);
    const help = await hpcgate('jobs', 'get', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Show a job');
  });

  it('a POST: an Idempotency-Key from node:crypto, loaded on use', async () => {
    const r = await hpcgate('jobs', 'submit', '--command', 'true', '--system', 'c', '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const sent = seen.at(-1)!;
    expect(sent).toMatchObject({ method: 'POST', url: '/v3/jobs/submit' });
    expect(sent.key).toMatch(/^sdk-[0-9a-f-]{36}$/);
    expect(JSON.parse(sent.body)).toMatchObject({ command: 'true', execSystemId: 'c' });
  });

  it('an answer off the contract: the real schema says why (and is loaded for it)', async () => {
    answer = { ...job, status: 'BOGUS' };
    try {
      const r = await hpcgate('jobs', 'get', job.id);
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(
        /does not match the contract: Invalid option: expected one of "PROCESSING_INPUTS"/,
      );
      expect(loaded()).toContain('contract');
    } finally {
      answer = job;
    }
  });
});
