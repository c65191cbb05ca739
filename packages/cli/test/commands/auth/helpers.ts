import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevOidcProvider } from '@hpcgate/dev-oidc';
import nock from 'nock';
import { afterAll, beforeAll, expect } from 'vitest';
import { main } from '../../../src/index.js';
import { captureIo } from '../../capture-io.js';
import { BASE_URL } from '../../fixtures.js';

/** A config dir that does not exist yet, inside a fresh temp dir. */
export async function freshDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'hpcgate-auth-')), 'hpcgate');
}

/** Only what the test gives: no token, issuer or secret from the environment. */
export function envFor(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HPCGATE_CONFIG_DIR: dir,
    HPCGATE_URL: BASE_URL,
    HPCGATE_SYSTEM: 'cluster',
    ...extra,
  };
}

/** Starts the CLI in-process; the test can read stderr while it runs (e.g. the user code). */
export function start(argv: string[], env: NodeJS.ProcessEnv, stdin?: string) {
  const io = captureIo();
  const done = main(argv, {
    io,
    env,
    readStdin: async () => {
      if (stdin === undefined) throw new Error('the command read stdin');
      return stdin;
    },
    stdinIsTTY: false,
    stderrIsTTY: false,
    prompt: async () => {
      throw new Error('the command prompted');
    },
  });
  return { io, done };
}

export async function run(argv: string[], env: NodeJS.ProcessEnv, stdin?: string) {
  const { io, done } = start(argv, env, stdin);
  const code = await done;
  return { code, out: io.out(), err: io.err() };
}

/** Waits until `read()` matches `pattern` (e.g. the user code on stderr). */
export async function waitFor(read: () => string, pattern: RegExp, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = pattern.exec(read());
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}: ${read()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `hpcgate login` as `username`: the test plays the person who approves in a browser. */
export async function loginAs(
  op: DevOidcProvider,
  env: NodeJS.ProcessEnv,
  username: string,
  extraArgs: string[] = ['--issuer', op.issuer],
) {
  const { io, done } = start(['login', ...extraArgs], env);
  const [, code] = await waitFor(io.err, /enter code ([A-Z]{4}-[A-Z]{4})\n/);
  await op.approveDevice(code!, username);
  return { code: await done, out: io.out(), err: io.err(), userCode: code! };
}

export interface StoredSignIn {
  grant: string;
  issuer: string;
  clientId: string;
  refreshToken?: string;
  clientSecret?: string;
  accessToken?: string;
  accessTokenExpiresAt?: string;
}

export interface StoredConfig {
  defaultProfile?: string;
  profiles: Record<string, Record<string, string>>;
  signIns?: Record<string, StoredSignIn>;
}

export async function readStored(dir: string): Promise<StoredConfig> {
  return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as StoredConfig;
}

export async function writeStored(dir: string, config: StoredConfig): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'config.json'), JSON.stringify(config), { mode: 0o600 });
}

export async function fileMode(dir: string): Promise<number> {
  return (await stat(join(dir, 'config.json'))).mode & 0o777;
}

/** No token or secret of any stored sign-in appears in `text`. */
export function expectNoSecrets(text: string, config: StoredConfig, extra: string[] = []): void {
  const secrets = Object.values(config.signIns ?? {}).flatMap((s) =>
    [s.accessToken, s.refreshToken, s.clientSecret].filter((v): v is string => !!v),
  );
  for (const secret of [...secrets, ...extra]) expect(text).not.toContain(secret);
}

/** The JWT's payload (the test does not need to verify what the provider just made). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/** The gateway is nock (fixtures' useNock); the provider on loopback is let through. */
export function letLoopbackThrough(): void {
  beforeAll(() => nock.enableNetConnect(/^127\.0\.0\.1:\d+$/));
  afterAll(() => nock.disableNetConnect());
}

/** A loopback port where nothing listens (fetch refuses some well-known ports, e.g. 9). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A nock gateway for `jobs list` that records the Authorization header it got. */
export function listJobsRecording(seen: string[], times = 1): nock.Scope {
  return nock(BASE_URL)
    .get('/v3/jobs/list')
    .times(times)
    .reply(function () {
      seen.push(String(this.req.headers.authorization));
      return [200, { jobs: [], nextCursor: null }];
    });
}
