import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { TEST_AUDIENCE, TEST_ISSUER } from '../test/helpers/tokens.js';
import { median } from './stats.js';

/**
 * What the HTTP benchmarks (http-get-job.ts, http-list.ts) share: load from autocannon in a
 * process of its own (so that the load generator never competes with the server's event loop),
 * repeats summed up as median and min–max, the bare Fastify baseline, slurmrestd, and an RS256
 * issuer (what Keycloak signs with by default; the tests' own issuer signs ES256).
 */

export const CONNECTIONS = Number(process.env.HTTP_BENCH_CONNECTIONS ?? 50);
export const DURATION_S = Number(process.env.HTTP_BENCH_SECONDS ?? 10);
export const REPEATS = Number(process.env.HTTP_BENCH_REPEATS ?? 3);
/** Each target is loaded this long first, unmeasured (JIT, caches, connection set-up). */
export const WARMUP_S = Number(process.env.HTTP_BENCH_WARMUP_SECONDS ?? 3);

export interface Target {
  label: string;
  url: string;
  /** A unix socket instead of TCP (slurmrestd); `url` then gives only the path. */
  socketPath?: string;
  headers?: Record<string, string>;
}

export interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** Requests unanswered after 10 s (autocannon's timeout; not in the latencies). */
  timeouts: number;
}

const autocannonPath = createRequire(import.meta.url).resolve('autocannon');

/** The child: runs autocannon with the options in LOAD and prints what the bench needs as JSON. */
const CHILD = `
const autocannon = require(process.env.AUTOCANNON);
autocannon(JSON.parse(process.env.LOAD), (err, r) => {
  if (err) { console.error(err); process.exit(1); }
  process.stdout.write(JSON.stringify({
    rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total,
    non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts,
  }));
});
`;

/** One autocannon run against a target, in a separate process. Fails on any non-2xx answer. */
export function load(target: Target, seconds = DURATION_S): Promise<Run> {
  const options = {
    url: target.url,
    ...(target.socketPath ? { socketPath: target.socketPath } : {}),
    headers: target.headers ?? {},
    connections: CONNECTIONS,
    duration: seconds,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD], {
      env: { ...process.env, AUTOCANNON: autocannonPath, LOAD: JSON.stringify(options) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited ${code}`));
      const r = JSON.parse(out) as Run & { non2xx: number; errors: number };
      // A request unanswered after autocannon's 10 s is a figure (counted), not a failure.
      if (r.non2xx || r.errors > r.timeouts) {
        return reject(
          new Error(
            `${target.label}: ${r.non2xx} non-2xx, ${r.errors} errors (${r.timeouts} timeouts)`,
          ),
        );
      }
      resolve({ rps: r.rps, p50: r.p50, p99: r.p99, timeouts: r.timeouts });
    });
  });
}

/**
 * Every target warmed up once, then REPEATS rounds, each loading every target in turn (so that
 * a slow moment of the machine falls on all of them alike).
 */
export async function measureAll(targets: Target[]): Promise<Map<string, Run[]>> {
  const runs = new Map<string, Run[]>(targets.map((t) => [t.label, []]));
  for (const t of targets) if (WARMUP_S > 0) await load(t, WARMUP_S);
  for (let i = 0; i < REPEATS; i++) {
    for (const t of targets) {
      const r = await load(t);
      runs.get(t.label)!.push(r);
      const late = r.timeouts ? `, ${r.timeouts} timed out` : '';
      console.error(
        `  [${i + 1}/${REPEATS}] ${t.label}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms${late}`,
      );
    }
  }
  return runs;
}

export interface Summary {
  rps: { median: number; min: number; max: number };
  p99: { median: number; min: number; max: number };
  timeouts: number;
}

export function summarize(runs: Run[]): Summary {
  const of = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  return {
    rps: of(runs.map((r) => r.rps)),
    p99: of(runs.map((r) => r.p99)),
    timeouts: runs.reduce((n, r) => n + r.timeouts, 0),
  };
}

const fmtRps = (s: Summary['rps']) =>
  `${s.median.toFixed(0).padStart(6)} req/s (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
const fmtP99 = (s: Summary['p99']) =>
  `p99 ${s.median.toFixed(1).padStart(5)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;

/** One line: the figure, and for each baseline its ratio (throughput ×, p99 ×). */
export function line(label: string, s: Summary): string {
  const late = s.timeouts ? `  ${s.timeouts} timed out (> 10 s)` : '';
  return `${label.padEnd(44)} ${fmtRps(s.rps)}  ${fmtP99(s.p99)}${late}`;
}

export function ratio(label: string, s: Summary, baseline: Summary, goal: string): string {
  const x = s.rps.median / baseline.rps.median;
  const lat = s.p99.median / baseline.p99.median;
  return `  ${`vs ${label}`.padEnd(42)} throughput ×${x.toFixed(2)}, p99 ×${lat.toFixed(2)}   (goal ${goal})`;
}

/**
 * A bare Fastify app (the gateway's own fastify) with one GET route answering `body`, parsed
 * once and serialized by Fastify on each request as any schema-less route would: the gateway's
 * ceiling for the same answer.
 */
export async function bareFastify(route: string, body: string) {
  const parsed: unknown = JSON.parse(body);
  const app = Fastify({ logger: false });
  app.get(route, async () => parsed);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { base: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * Debian's slurmrestd for the same cluster, as one of its Unix accounts (slurmrestd refuses to
 * run as root) on a unix socket with `rest_auth/local` (the account is the peer's). Installed
 * with apt first when absent.
 */
export async function slurmrestd(account: string) {
  if (!existsSync('/usr/sbin/slurmrestd')) {
    console.error('installing slurmrestd (apt-get)…');
    const apt = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'slurmrestd'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (apt.status !== 0) throw new Error(`apt-get install slurmrestd exited ${apt.status}`);
  }
  const id = spawnSync('id', ['-u', account], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', account], { encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'hpcgate-slurmrestd-'));
  chownSync(dir, Number(id.stdout), Number(gid.stdout));
  const socketPath = join(dir, 'slurmrestd.sock');
  const env = { ...process.env };
  delete env.SLURM_JWT;
  // Its default verbosity logs every request: to /dev/null, unread, as a daemon's log would be.
  const child = spawn(
    'runuser',
    [
      '-u',
      account,
      '--',
      '/usr/sbin/slurmrestd',
      '-a',
      'rest_auth/local',
      '-s',
      'openapi/v0.0.38',
      `unix:${socketPath}`,
    ],
    { env, stdio: 'ignore', cwd: dir },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  for (let i = 0; !existsSync(socketPath); i++) {
    if (child.exitCode !== null || i > 100) {
      throw new Error(`slurmrestd did not open ${socketPath} (exit ${child.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    socketPath,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An RS256 issuer with the tests' issuer and audience: its JWKS file and tokens valid 1 h. */
export async function rs256Issuer() {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-rsa', alg: 'RS256', use: 'sig' };
  const dir = mkdtempSync(join(tmpdir(), 'hpcgate-bench-jwks-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  return {
    jwksFile,
    token: (sub: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'bench-rsa' })
        .setSubject(sub)
        .setIssuer(TEST_ISSUER)
        .setAudience(TEST_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
