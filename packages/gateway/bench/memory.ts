import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sampleJob } from '@hpcgate/contract/testing';
import { startDevOidcProvider } from '@hpcgate/dev-oidc';
import type { JobRecord, NewJobEvent } from '../src/store/job-store.js';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store.js';
import { median } from './stats.js';

// Memory of the gateway as it really runs: a child process started from the built server
// (dist/server.js, `npm run build -w @hpcgate/gateway` first) with a config file as `npm start`
// writes it (scripts/lib/gateway-config.sh: the embedded SQLite store, the web page, metrics, the
// sandbox cluster as its one system, the development OpenID provider for sign-in). Its RSS
// (/proc/<pid>/status VmRSS) and, from /metrics, its heap, for a store of 0 (idle), 1,000 and
// 100,000 jobs, each after the same request mix (getJob, history and list calls, the page, the
// metrics) and after its poll cycle has run; median of MEMORY_BENCH_STARTS (3) starts each. The
// store is filled while the gateway is stopped, through the store's API: finished jobs, plus a
// few RUNNING ones with Slurm ids the cluster does not know (watched every cycle, never lost
// within a run: lostJobAfterMs is 5 minutes), so that the poller has work but sends no sbatch.
// Baselines, same run: `node -e` idle (the floor) and a bare node that has imported the gateway's
// modules (dist/app.js) and built nothing.
// Targets: idle RSS < 120 MB; growth from 1,000 to 100,000 jobs < 50 MB.
// MEMORY_BENCH_SIZES=0,1000,100000 MEMORY_BENCH_STARTS=3; MEMORY_BENCH_HEAPSNAPSHOT=1 writes a heap
// snapshot of each last start (`--heapsnapshot-signal`) into the run's directory and keeps it.
const here = dirname(fileURLToPath(import.meta.url));
/** MEMORY_BENCH_DIST: another build of the gateway to measure (a directory like dist/), to compare. */
const DIST = process.env.MEMORY_BENCH_DIST ?? join(here, '..', 'dist');
const SERVER = join(DIST, 'server.js');
const APP = join(DIST, 'app.js');
const SIZES = (process.env.MEMORY_BENCH_SIZES ?? '0,1000,100000').split(',').map(Number);
const STARTS = Number(process.env.MEMORY_BENCH_STARTS ?? 3);
const SNAPSHOT = process.env.MEMORY_BENCH_HEAPSNAPSHOT === '1';
/** MEMORY_BENCH_NODE_FLAGS: node flags for the gateway (`--max-semi-space-size=2`), to compare. */
const NODE_FLAGS = (process.env.MEMORY_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
/** MEMORY_BENCH_HOLD_MS: keep each last start running this long after measuring, to look at it. */
const HOLD_MS = Number(process.env.MEMORY_BENCH_HOLD_MS ?? 0);
const ACTIVE = 5;
const OWNERS = ['alice', 'bob', 'demo'];
const BATCH = 5000;
const IDLE_TARGET_MB = 120;
const GROWTH_TARGET_MB = 50;
const MB = 1024 * 1024;

for (const name of ['HPCGATE_SSH_HOST', 'HPCGATE_SSH_USER', 'HPCGATE_SSH_KEY']) {
  if (!process.env[name]) {
    throw new Error(`${name} is not set: set -a; . <(bash scripts/sandbox.sh env); set +a`);
  }
}
if (!existsSync(SERVER)) {
  throw new Error(`${SERVER} is missing: npm run build -w @hpcgate/gateway`);
}
const built = statSync(SERVER).mtimeMs;
const system = process.env.HPCGATE_CLUSTER ?? 'sandbox';

// --- the cluster-facing pieces: the sign-in provider and the config file -------------------------

const op = await startDevOidcProvider({ port: 0 });
const dir = mkdtempSync(join(tmpdir(), 'hpcgate-memory-'));
const children = new Set<ChildProcess>();
const cleanUp = () => {
  for (const child of children) child.kill('SIGKILL');
};
process.on('exit', cleanUp);

function writeConfig(dbPath: string): string {
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    auth: {
      issuer: op.issuer,
      discovery: true,
      audience: op.audience,
      ownerClaim: 'preferred_username',
      adminClaim: 'groups',
      adminValue: 'hpcgate-admins',
    },
    store: { sqlitePath: dbPath },
    web: { clientId: op.webClient?.clientId ?? 'hpcgate-web' },
    metrics: { enabled: true },
    logFile: join(dir, 'gateway.log'),
    systems: [
      {
        id: system,
        host: process.env.HPCGATE_SSH_HOST,
        port: Number(process.env.HPCGATE_SSH_PORT ?? 22),
        hostKey: {
          fingerprints: (process.env.HPCGATE_SSH_HOST_KEYS ?? '').split(',').filter(Boolean),
        },
        user: process.env.HPCGATE_SSH_USER,
        privateKeyPath: process.env.HPCGATE_SSH_KEY,
        userKeysDir: process.env.HPCGATE_SSH_USER_KEYS,
        accounts: { table: { 'hpcgate-automation': 'hpcbot' }, sameName: true },
        partitions: [process.env.HPCGATE_SLURM_PARTITION ?? 'debug'],
        finishedJobSource: process.env.HPCGATE_FINISHED_JOB_SOURCE ?? 'jobcomp',
      },
    ],
  };
  const path = join(dir, 'gateway.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

// --- the store, filled while no gateway runs ---------------------------------------------------

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const event: NewJobEvent = { event: 'JOB_CREATED', actor: null, description: 'created' };
/** A script of a realistic size (a few hundred bytes): the store's rows are not all metadata. */
const script = (i: number) =>
  `#!/bin/bash\n#SBATCH --time=00:10:00\n#SBATCH --cpus-per-task=1\nset -euo pipefail\n` +
  `module load python/3.12\ncd "$HOME/sweeps/run-${i}"\n` +
  `python train.py --seed ${i} --epochs 10 --out results/${i}.json\necho done\n`;

function job(i: number): JobRecord {
  const owner = OWNERS[i % OWNERS.length]!;
  const created = new Date(T0 + i * 1000).toISOString();
  const ended = new Date(T0 + i * 1000 + 60_000).toISOString();
  const active = i < ACTIVE;
  return {
    ...sampleJob({
      id: randomUUID(),
      owner,
      name: `bench-${i}`,
      execSystemId: system,
      status: active ? 'RUNNING' : 'FINISHED',
      remoteJobId: String(900_000_000 + i),
      remoteUser: owner,
      remoteState: active ? 'RUNNING' : 'COMPLETED',
      exitCode: active ? null : 0,
      created,
      remoteSubmitted: created,
      remoteStarted: created,
      ended: active ? null : ended,
      lastUpdated: active ? created : ended,
      script: script(i),
      command: null,
      tags: i % 3 === 0 ? ['sweep'] : [],
    }),
    remoteDone: !active,
  };
}

interface Filled {
  dbPath: string;
  /** A few job ids per owner, spread over the table, for getJob. */
  ids: Map<string, string[]>;
}

async function fill(n: number): Promise<Filled> {
  const dbPath = join(dir, `gateway-${n}.db`);
  const store = new SqliteJobStore(dbPath);
  const ids = new Map<string, string[]>(OWNERS.map((o) => [o, []]));
  const every = Math.max(1, Math.floor(n / 60));
  try {
    const db = store.database;
    for (let start = 0; start < n; start += BATCH) {
      const pending: Promise<void>[] = [];
      db.transaction(() => {
        for (let i = start; i < Math.min(n, start + BATCH); i++) {
          const j = job(i);
          if (i % every === 0) ids.get(j.owner)!.push(j.id);
          pending.push(store.create(j, event));
        }
      })();
      await Promise.all(pending);
    }
    db.exec('ANALYZE');
  } finally {
    await store.close();
  }
  return { dbPath, ids };
}

// --- one gateway ---------------------------------------------------------------------------------

interface Running {
  child: ChildProcess;
  url: string;
}

async function startGateway(configPath: string, snapshotDir?: string): Promise<Running> {
  const args = [...NODE_FLAGS, ...(snapshotDir ? ['--heapsnapshot-signal=SIGUSR2'] : [])];
  const child = spawn(process.execPath, [...args, SERVER, configPath], {
    cwd: snapshotDir ?? dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.resume();
  const logPath = join(dir, 'gateway.log');
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited ${child.exitCode}: ${err}`);
    const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
    const lines = log.split('\n').filter((l) => l.includes(`"pid":${child.pid},`));
    const m = lines.map((l) => /listening on (http:\/\/[^"\s]+)/.exec(l)?.[1]).find(Boolean);
    if (m) return { child, url: m };
    if (Date.now() - started > 30_000) throw new Error(`gateway did not start: ${err}`);
    await sleep(50);
  }
}

async function stopGateway(g: Running): Promise<void> {
  const exited = new Promise((r) => g.child.once('exit', r));
  g.child.kill('SIGTERM');
  const timer = setTimeout(() => g.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  children.delete(g.child);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function vmRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

/** Where a process's resident memory is, by mapping: the binary, libraries, [heap], anonymous. */
function smaps(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let kind = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1] ?? '';
      kind = !path
        ? 'anonymous (V8 heap, malloc arenas, wasm)'
        : path.startsWith('[')
          ? path
          : path.endsWith('/node')
            ? 'node binary'
            : path.endsWith('.node')
              ? 'native addons (.node)'
              : 'shared libraries and files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out.set(kind, (out.get(kind) ?? 0) + Number(rss[1]) * 1024);
  }
  return out;
}
const smapsOf = new Map<number, Map<string, number>>();

async function metrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(\S+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const pollCycles = async (url: string) =>
  (await metrics(url)).get(`hpcgate_poll_cycles_total{system="${system}"}`) ?? 0;

// --- the request mix ------------------------------------------------------------------------------

const tokens = new Map<string, string>();
for (const user of [...OWNERS, 'admin']) tokens.set(user, (await op.tokenFor(user)).access_token);

async function get(url: string, user: string | null, path: string, ok = [200]): Promise<unknown> {
  const headers: Record<string, string> = { 'accept-encoding': 'br, gzip' };
  if (user) headers.authorization = `Bearer ${tokens.get(user)}`;
  const res = await fetch(`${url}${path}`, { headers });
  const body = await res.arrayBuffer();
  if (!ok.includes(res.status)) {
    throw new Error(`GET ${path} as ${user}: ${res.status} ${Buffer.from(body).toString()}`);
  }
  const type = res.headers.get('content-type') ?? '';
  return type.includes('json') ? JSON.parse(Buffer.from(body).toString()) : undefined;
}

interface Page {
  jobs: { id: string }[];
  nextCursor: string | null;
}

async function requestMix(url: string, filled: Filled): Promise<void> {
  await get(url, null, '/healthz');
  await get(url, null, '/readyz', [200, 503]);
  // The page and its files, as a browser asks for them.
  const index = await (await fetch(`${url}/`)).text();
  for (const m of index.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) await get(url, null, m[1]!);
  await get(url, null, '/openapi.json');
  for (const owner of OWNERS) {
    const ids = filled.ids.get(owner)!;
    for (const id of ids) await get(url, owner, `/v3/jobs/${id}`);
    for (const id of ids.slice(0, 5)) await get(url, owner, `/v3/jobs/${id}/history`);
    for (const id of ids.slice(0, 5)) await get(url, 'admin', `/v3/jobs/${id}`);
    // Not found (also what an empty store answers).
    await get(url, owner, `/v3/jobs/${randomUUID()}`, [404]);
    // The first page, then four more through the cursor.
    let cursor: string | null = null;
    for (let p = 0; p < 5; p++) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = (await get(url, owner, `/v3/jobs/list?limit=100${q}`)) as Page;
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    await get(url, owner, '/v3/jobs/list?limit=100&name=bench-12*');
    await get(url, owner, '/v3/jobs/list?limit=100&tags=sweep&status=FINISHED');
  }
  // An admin's biggest pages over everyone's jobs.
  let cursor: string | null = null;
  for (let p = 0; p < 3; p++) {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = (await get(url, 'admin', `/v3/jobs/list?limit=500&owner=*${q}`)) as Page;
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  await get(url, 'admin', '/v3/jobs/list?limit=100&owner=*&status=RUNNING');
  await metrics(url);
}

// --- measuring --------------------------------------------------------------------------------------

interface Sample {
  rss: number;
  peak: number;
  promRss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

async function measureGateway(n: number, filled: Filled, last: boolean): Promise<Sample> {
  const configPath = writeConfig(filled.dbPath);
  const snapshotDir = SNAPSHOT && last ? join(dir, `snapshot-${n}`) : undefined;
  if (snapshotDir) rmSync(snapshotDir, { recursive: true, force: true });
  if (snapshotDir) mkdirSync(snapshotDir);
  const g = await startGateway(configPath, snapshotDir);
  try {
    const before = await pollCycles(g.url);
    for (let round = 0; round < 3; round++) await requestMix(g.url, filled);
    // The poll cycle: with jobs to watch it counts; an empty store's cycle sends nothing, so wait
    // out its idle interval (5 s) instead.
    const deadline = Date.now() + 30_000;
    if (n > 0) {
      while ((await pollCycles(g.url)) < before + 2) {
        if (Date.now() > deadline) throw new Error('no poll cycle within 30 s');
        await sleep(200);
      }
    } else {
      await sleep(6_000);
    }
    await sleep(2_000);
    const rss = vmRss(g.child.pid!);
    const peak =
      Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${g.child.pid}/status`, 'utf8'))![1]) *
      1024;
    const m = await metrics(g.url);
    if (last) smapsOf.set(n, smaps(g.child.pid!));
    if (last && HOLD_MS) {
      console.error(`gateway pid ${g.child.pid} (${n} jobs) at ${g.url}, held ${HOLD_MS} ms`);
      await sleep(HOLD_MS);
    }
    if (snapshotDir) {
      g.child.kill('SIGUSR2');
      await sleep(8_000);
    }
    return {
      rss,
      peak,
      promRss: m.get('process_resident_memory_bytes') ?? Number.NaN,
      heapUsed: m.get('nodejs_heap_size_used_bytes') ?? Number.NaN,
      heapTotal: m.get('nodejs_heap_size_total_bytes') ?? Number.NaN,
      external: m.get('nodejs_external_memory_bytes') ?? Number.NaN,
    };
  } finally {
    await stopGateway(g);
  }
}

/** A node process's RSS once it has run `code` and sat idle for a second. */
async function nodeRss(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, {
    cwd: dirname(SERVER),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`baseline exited ${code}`)));
  });
  await sleep(1_000);
  const rss = vmRss(child.pid!);
  child.kill('SIGKILL');
  children.delete(child);
  return rss;
}

const floorCode = "console.log('ready'); setInterval(() => {}, 1 << 30);";
const modulesCode = `await import(${JSON.stringify(pathToFileURL(APP).href)}); console.log('ready'); setInterval(() => {}, 1 << 30);`;
const floor: number[] = [];
const withModules: number[] = [];
for (let i = 0; i < STARTS; i++) {
  floor.push(await nodeRss(['-e', floorCode]));
  withModules.push(await nodeRss(['--input-type=module', '-e', modulesCode]));
}
const floorMb = median(floor) / MB;
const modulesMb = median(withModules) / MB;

const results = new Map<number, Sample[]>();
try {
  for (const n of SIZES) {
    const t = performance.now();
    const filled = await fill(n);
    const fillS = (performance.now() - t) / 1000;
    const samples: Sample[] = [];
    for (let i = 0; i < STARTS; i++)
      samples.push(await measureGateway(n, filled, i === STARTS - 1));
    results.set(n, samples);
    const db = statSync(filled.dbPath).size / MB;
    console.error(`filled ${n} jobs in ${fillS.toFixed(1)} s (database ${db.toFixed(1)} MB)`);
  }
} finally {
  cleanUp();
  await op.close();
  if (!SNAPSHOT) rmSync(dir, { recursive: true, force: true });
}

// --- the report -----------------------------------------------------------------------------------

const fmt = (x: number) => `${x.toFixed(1).padStart(6)} MB`;
const med = (xs: Sample[], k: keyof Sample) => median(xs.map((s) => s[k])) / MB;
const label = (n: number) => (n === 0 ? 'idle (empty store)' : `${n.toLocaleString('en')} jobs`);
if (statSync(SERVER).mtimeMs !== built)
  console.log('warning: dist/server.js changed during the run');
console.log(
  `\nGateway memory: the built server (dist/server.js) as a child process, embedded SQLite, web ` +
    `page and metrics on, ${system} as its system; median of ${STARTS} starts, each after 3 rounds ` +
    'of the request mix and 2 poll cycles',
);
if (NODE_FLAGS.length) console.log(`gateway started with node ${NODE_FLAGS.join(' ')}`);
console.log(`baseline: node -e idle                     RSS ${fmt(floorMb)}  (floor)`);
console.log(
  `baseline: node + the gateway's modules      RSS ${fmt(modulesMb)}  ×${(modulesMb / floorMb).toFixed(2)} of floor`,
);
for (const [n, samples] of results) {
  const rss = med(samples, 'rss');
  console.log(
    `gateway, ${label(n).padEnd(20)}         RSS ${fmt(rss)}  ×${(rss / floorMb).toFixed(2)} of floor, ` +
      `×${(rss / modulesMb).toFixed(2)} of modules baseline | peak ${fmt(med(samples, 'peak'))} | ` +
      `/metrics: RSS ${fmt(med(samples, 'promRss'))}, heap used ${fmt(med(samples, 'heapUsed'))} of ` +
      `${fmt(med(samples, 'heapTotal'))}, external ${fmt(med(samples, 'external'))}`,
  );
}
for (const [n, map] of smapsOf) {
  const parts = [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${(v / MB).toFixed(1)} MB`);
  console.log(`  where, ${label(n)} (last start, /proc/<pid>/smaps): ${parts.join(', ')}`);
}
const idle = results.get(0) ?? results.get(SIZES[0]!);
if (idle) {
  const rss = med(idle, 'rss');
  const ok = rss < IDLE_TARGET_MB;
  console.log(
    `target idle RSS < ${IDLE_TARGET_MB} MB: ${fmt(rss)} (${(rss - floorMb).toFixed(1)} MB over the floor) ${ok ? 'met' : 'MISSED'}`,
  );
}
const small = results.get(1000);
const big = results.get(100_000);
if (small && big) {
  const growth = med(big, 'rss') - med(small, 'rss');
  const heapGrowth = med(big, 'heapUsed') - med(small, 'heapUsed');
  console.log(
    `target growth 1,000 → 100,000 jobs < ${GROWTH_TARGET_MB} MB: RSS +${growth.toFixed(1)} MB ` +
      `(heap used ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB) ${growth < GROWTH_TARGET_MB ? 'met' : 'MISSED'}`,
  );
}
if (SNAPSHOT) console.log(`heap snapshots and databases kept in ${dir}`);
process.exit(0);
