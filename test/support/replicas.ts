import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Job, JobEvent } from '@hpcgate/sdk';
import pg from 'pg';
import type { ClusterEnv } from './cluster-env.js';
import { E2E_ACCOUNTS, gatewayConfig } from './gateway.js';
import type { TestSsh } from './ssh.js';
import { AUDIENCE, createIssuer, ISSUER } from './tokens.js';

// Several gateway processes on one PostgreSQL schema and the real cluster, for issue 13's replica
// tests and bench. Each replica is a child process (`node packages/gateway/dist/server.js`), so
// that a `kill -9` is a real crash: no close hook runs, its sockets and SSH channels just drop.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVER = join(repoRoot, 'packages/gateway/dist/server.js');
const READY_TIMEOUT_MS = 60_000;
/** SIGTERM's grace before SIGKILL in close(): the gateway drains requests and SSH first. */
const STOP_GRACE_MS = 10_000;

/**
 * The caller the replica tests submit as, and its Unix account: hpcbot, which no other
 * end-to-end tier runs jobs as, so that counting and cancelling "our" Slurm jobs never touches
 * another suite's.
 */
export const REPLICA_CALLER = 'hpcgate-automation';
export const REPLICA_ACCOUNT = E2E_ACCOUNTS[REPLICA_CALLER]!;

/** The server's URL, from `scripts/postgres.sh env`. Throws, never skips, without one. */
export function postgresUrl(env: NodeJS.ProcessEnv = process.env): string {
  const url = env.HPCGATE_PG_URL;
  if (!url) {
    throw new Error(
      'HPCGATE_PG_URL is not set: the replica tests run several gateways on one PostgreSQL. ' +
        'Run them through `npm test`, or `bash scripts/postgres.sh up` and then ' +
        '`set -a; . <(bash scripts/postgres.sh env); set +a`.',
    );
  }
  return url;
}

/** A loopback port free right now: listen on 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

// ------------------------------------------------------------------ what a replica reports

export interface Lease {
  name: string;
  holder: string | null;
  epoch: number;
  expiresAt: string | null;
  heldHere: boolean;
}

export interface PollCycle {
  at: string;
  watchedJobs: number;
  commands: number;
  durationMs: number;
  error: string | null;
}

/** `GET /readyz`, with the fields coordination adds (absent from a gateway without it). */
export interface ReplicaReadiness {
  status: 'ready' | 'not_ready';
  replica?: { id: string; coordination: 'process' | 'postgres' };
  leases?: Lease[];
  systems: Record<string, { reachable: boolean; lastPollCycle: PollCycle | null }>;
}

/** The lease of that name as one replica's /readyz shows it, if it shows it. */
export function leaseOf(readiness: ReplicaReadiness, name: string): Lease | undefined {
  return readiness.leases?.find((l) => l.name === name);
}

/**
 * One sample's value from Prometheus' text format: `name{a="x",…} value`, the labels given
 * matching exactly (others may be there). Undefined when no line matches.
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [
        l[1],
        l[2],
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

// ------------------------------------------------------------------ one replica

/**
 * Where the replicas' logs go: `$HPCGATE_TEST_LOG_DIR/replicas` (scripts/test.sh sets it, and
 * scans it for tokens afterwards), else `.hpcgate/test-logs/replicas`. They outlive the test.
 */
function logDir(): string {
  const base = process.env.HPCGATE_TEST_LOG_DIR ?? '.hpcgate/test-logs';
  const dir = join(isAbsolute(base) ? base : join(repoRoot, base), 'replicas');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const tail = (path: string, lines = 20): string =>
  existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';

/** A gateway child process on a fixed port and config; it can be killed and started again. */
class Replica {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Exits nobody asked for (a crash), with their code or signal: close() reports them. */
  readonly crashes: string[] = [];

  constructor(
    readonly id: string,
    readonly port: number,
    readonly configPath: string,
    readonly logFile: string,
    /** The process's own stdout and stderr (a crash's stack, a config error). */
    readonly outputFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.child !== null;
  }

  /** Spawns the process and resolves once `/readyz` answers 200. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`replica ${this.id} is already running`);
    const out = openSync(this.outputFile, 'a');
    const child = spawn(process.execPath, [SERVER, this.configPath], {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) {
          this.crashes.push(`${this.id} exited by itself (${signal ?? `code ${code}`})`);
          this.child = null;
        }
        done();
      });
    });
    try {
      await this.waitReady();
    } catch (err) {
      await this.signal('SIGKILL');
      throw err;
    }
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.child) break;
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        if (res.status === 200) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `replica ${this.id} (${this.url}) was not ready within ${READY_TIMEOUT_MS} ms: ${last}\n` +
        `--- its output (${this.outputFile}):\n${tail(this.outputFile)}\n` +
        `--- its log (${this.logFile}):\n${tail(this.logFile)}`,
    );
  }

  /** Sends the signal and resolves once the process is gone. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill(signal);
    await this.exited;
  }

  /** SIGTERM (the gateway closes cleanly), then SIGKILL after a bound. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((done) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        done();
      }, STOP_GRACE_MS);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }

  /** For the process's `exit` hook: no await possible there. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }
}

// ------------------------------------------------------------------ the set

export interface ReplicaSetOptions {
  /** Names the temp dir and the log files: the test file's subject, `[a-z0-9-]`. */
  name: string;
  count?: number;
  /** `replicas.leaseTtlMs`; the gateway's default (5000) when absent. */
  leaseTtlMs?: number;
}

/** An HTTP answer, and the replica that gave it. */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  body: any;
  headers: Headers;
  replica: number;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** This replica (0-based); otherwise the client's next live one in turn. */
  replica?: number;
  timeoutMs?: number;
}

export interface ReplicaSet {
  readonly count: number;
  /** `r1`…`rN`: each replica's `replicas.id`. */
  readonly ids: readonly string[];
  readonly schema: string;
  url(i: number): string;
  isUp(i: number): boolean;
  /** A bearer token of the tests' own issuer for this caller. */
  token(sub: string): Promise<string>;
  /** A round-robin client over the live replicas, as `sub`. */
  client(sub: string): ReplicaClient;
  readyz(i: number): Promise<ReplicaReadiness>;
  metrics(i: number): Promise<string>;
  /** Sends the signal to replica i's process (SIGKILL: a crash) and waits until it is gone. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts replica i again, same id, port and config, and waits until it is ready. */
  restart(i: number): Promise<void>;
  /** Stops every replica (SIGTERM, then SIGKILL) and drops the schema; throws if one crashed. */
  close(): Promise<void>;
}

/** One replica's config: support/gateway.ts's system and auth, on the set's store. */
function replicaConfig(
  env: ClusterEnv,
  r: {
    id: string;
    port: number;
    store: { url: string; schema: string };
    jwksFile: string;
    logFile: string;
    leaseTtlMs?: number;
  },
): Record<string, unknown> {
  const base = gatewayConfig(env, {
    auth: { issuer: ISSUER, audience: AUDIENCE, jwksFile: r.jwksFile },
    logLevel: 'info',
    logFile: r.logFile,
  });
  return {
    ...base,
    listen: { host: '127.0.0.1', port: r.port },
    store: { postgres: r.store },
    metrics: { enabled: true },
    replicas: { id: r.id, ...(r.leaseTtlMs === undefined ? {} : { leaseTtlMs: r.leaseTtlMs }) },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // A name made by startReplicas: lower-case letters, digits and _ only.
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Starts `count` (3) gateways on the cluster and one fresh PostgreSQL schema, each on its own
 * loopback port with its own config: `replicas.id` r1…rN, metrics on, logs at info level, and
 * the system and auth of support/gateway.ts (the tests' own signing key). Resolves once every
 * one answers `/readyz` with 200.
 */
export async function startReplicas(
  env: ClusterEnv,
  options: ReplicaSetOptions,
): Promise<ReplicaSet> {
  const url = postgresUrl();
  if (!existsSync(SERVER)) {
    throw new Error(`${SERVER} is missing: build the gateway (npm run build -w @hpcgate/gateway)`);
  }
  const count = options.count ?? 3;
  const issuer = await createIssuer();
  // The configs (they hold the database's password), removed by close().
  const dir = mkdtempSync(join(tmpdir(), `hpcgate-replicas-${options.name}-`));
  const logs = logDir();
  const schema = `hpcgate_replicas_${process.pid}_${randomBytes(4).toString('hex')}`;
  const ids = Array.from({ length: count }, (_, i) => `r${i + 1}`);

  const replicas = await Promise.all(
    ids.map(async (id) => {
      const port = await freePort();
      const logFile = join(logs, `${options.name}-${schema}-${id}.log`);
      const config = replicaConfig(env, {
        id,
        port,
        store: { url, schema },
        jwksFile: issuer.jwksFile,
        logFile,
        leaseTtlMs: options.leaseTtlMs,
      });
      const configPath = join(dir, `${id}.json`);
      await writeFile(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
      return new Replica(id, port, configPath, logFile, logFile.replace(/\.log$/, '.out'));
    }),
  );

  const killAll = () => {
    for (const r of replicas) r.killNow();
  };
  // A test process that dies (an uncaught error, vitest tearing a worker down) takes its
  // replicas with it: none is left holding ports, SSH connections and leases.
  process.once('exit', killAll);
  const release = async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    process.removeListener('exit', killAll);
    rmSync(dir, { recursive: true, force: true });
    // A process's own output is kept only when it said something (a crash, a config error).
    for (const r of replicas) {
      if (existsSync(r.outputFile) && statSync(r.outputFile).size === 0) rmSync(r.outputFile);
    }
    await dropSchema(url, schema);
  };

  try {
    await Promise.all(replicas.map((r) => r.start()));
  } catch (err) {
    await release().catch(() => {});
    throw err;
  }

  const tokens = new Map<string, { value: string; until: number }>();
  const set: ReplicaSet = {
    count,
    ids,
    schema,
    url: (i) => replica(i).url,
    isUp: (i) => replica(i).up,
    async token(sub) {
      // Tokens live 10 minutes: one per caller, renewed after 5.
      let held = tokens.get(sub);
      if (!held || held.until < Date.now()) {
        held = { value: await issuer.token(sub), until: Date.now() + 5 * 60_000 };
        tokens.set(sub, held);
      }
      return held.value;
    },
    client: (sub) => new ReplicaClient(set, sub),
    async readyz(i) {
      const res = await fetch(`${replica(i).url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      return (await res.json()) as ReplicaReadiness;
    },
    async metrics(i) {
      const res = await fetch(`${replica(i).url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) throw new Error(`GET /metrics on ${ids[i]} answered ${res.status}`);
      return res.text();
    },
    kill: (i, signal = 'SIGKILL') => replica(i).signal(signal),
    restart: (i) => replica(i).start(),
    async close() {
      await release();
      const crashes = replicas.flatMap((r) => r.crashes);
      if (crashes.length > 0) {
        throw new Error(`replicas crashed during the test: ${crashes.join('; ')} (logs: ${logs})`);
      }
    },
  };
  function replica(i: number): Replica {
    const r = replicas[i];
    if (!r) throw new Error(`no replica ${i} (there are ${count})`);
    return r;
  }
  return set;
}

// ------------------------------------------------------------------ a client over the set

/** A call that reached no replica, or no answer: the connection was refused, reset or cut. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(
    readonly replica: number,
    cause: unknown,
  ) {
    super(`replica ${replica + 1} did not answer: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Calls the replicas in turn, as a load balancer in front of them would: each call goes to the
 * next live replica (one the set has not killed), or to the one named.
 */
export class ReplicaClient {
  private turn = 0;
  private readonly pending = new Map<number, number>();

  constructor(
    private readonly set: ReplicaSet,
    private readonly sub: string,
  ) {}

  /** The next live replica in turn. */
  next(): number {
    for (let n = 0; n < this.set.count; n++) {
      const i = this.turn++ % this.set.count;
      if (this.set.isUp(i)) return i;
    }
    throw new Error('no replica is up');
  }

  /** Calls of this client that replica `i` has not answered yet. */
  inFlight(i: number): number {
    return this.pending.get(i) ?? 0;
  }

  /** One HTTP call with the caller's token; throws UnreachableError when no answer came. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const replica = options.replica ?? this.next();
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.set.token(this.sub)}`,
      ...options.headers,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    this.pending.set(replica, this.inFlight(replica) + 1);
    try {
      res = await fetch(`${this.set.url(replica)}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
      text = await res.text();
    } catch (err) {
      throw new UnreachableError(replica, err);
    } finally {
      this.pending.set(replica, this.inFlight(replica) - 1);
    }
    let body: unknown = text;
    if (res.headers.get('content-type')?.includes('json')) body = text ? JSON.parse(text) : null;
    return { status: res.status, body, headers: res.headers, replica };
  }

  /**
   * A call retried, as a client behind a load balancer retries, on the next replica after one
   * that gave no answer, a 5xx or 409 IDEMPOTENCY_KEY_IN_USE, with the same headers (and so the
   * same Idempotency-Key). Every replica tried is in `tried`.
   */
  async callRetrying(
    method: string,
    path: string,
    options: CallOptions & { attempts?: number } = {},
  ): Promise<Answer & { tried: number[] }> {
    const attempts = options.attempts ?? 10;
    const tried: number[] = [];
    let replica = options.replica ?? this.next();
    for (let attempt = 1; ; attempt++) {
      tried.push(replica);
      let answer: Answer | null = null;
      let failure: string;
      try {
        answer = await this.call(method, path, { ...options, replica });
        failure = `${answer.status} ${JSON.stringify(answer.body)}`;
      } catch (err) {
        if (!(err instanceof UnreachableError)) throw err;
        failure = err.message;
      }
      const retry =
        answer === null ||
        answer.status >= 500 ||
        (answer.status === 409 && answer.body?.error?.code === 'IDEMPOTENCY_KEY_IN_USE');
      if (!retry) return { ...answer!, tried };
      if (attempt >= attempts) {
        throw new Error(`${method} ${path}: ${attempts} attempts failed, the last: ${failure}`);
      }
      await new Promise((r) => setTimeout(r, 100 * attempt));
      replica = this.nextAfter(replica);
    }
  }

  /**
   * Every job `/v3/jobs/list` gives for the query, page after page, each page from the next
   * replica in turn (a cursor one replica handed out must work on the others).
   */
  async listJobs(query: Record<string, string>): Promise<Job[]> {
    const jobs: Job[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ ...query, limit: '500', ...(cursor ? { cursor } : {}) });
      const page = await this.callRetrying('GET', `/v3/jobs/list?${params}`);
      if (page.status !== 200) {
        throw new Error(`GET /v3/jobs/list answered ${page.status}: ${JSON.stringify(page.body)}`);
      }
      jobs.push(...(page.body.jobs as Job[]));
      cursor = page.body.nextCursor;
    } while (cursor);
    return jobs;
  }

  /** The next live replica after `i`. */
  private nextAfter(i: number): number {
    for (let n = 1; n <= this.set.count; n++) {
      const j = (i + n) % this.set.count;
      if (this.set.isUp(j)) return j;
    }
    throw new Error('no replica is up');
  }
}

// ------------------------------------------------------------------ Slurm's side

export interface SlurmJob {
  id: string;
  name: string;
  /** `hpcgate:<gateway job id>`: the tag the gateway gives each job it submits. */
  comment: string;
  state: string;
}

/** The gateway job id a Slurm job's comment names (scheduler/slurm/parse.ts's TAG_PREFIX). */
export const gatewayIdOf = (job: SlurmJob): string | null =>
  job.comment.startsWith('hpcgate:') ? job.comment.slice('hpcgate:'.length) : null;

/**
 * Every job of the account whose name starts with `prefix` that the controller holds, finished
 * ones too (the sandbox keeps them for an hour: MinJobAge).
 */
export async function slurmJobsNamed(
  ssh: TestSsh,
  account: string,
  prefix: string,
): Promise<SlurmJob[]> {
  const out = await ssh.run(
    `squeue --noheader --states=all --users=${account} --format='%i|%j|%k|%T'`,
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', name = '', comment = '', state = ''] = line.split('|');
      return { id, name, comment, state };
    })
    .filter((j) => j.name.startsWith(prefix));
}

/**
 * The gateway jobs whose `remoteJobId` is not the one Slurm job carrying their tag: none when
 * each job was submitted exactly once and recorded as such.
 */
export function unmatchedJobs(jobs: readonly Job[], slurm: readonly SlurmJob[]): string[] {
  const carrying = new Map<string, string[]>();
  for (const s of slurm) {
    const id = gatewayIdOf(s);
    if (id) carrying.set(id, [...(carrying.get(id) ?? []), s.id]);
  }
  return jobs
    .filter((j) => {
      const ids = carrying.get(j.id) ?? [];
      return ids.length !== 1 || ids[0] !== j.remoteJobId;
    })
    .map(
      (j) =>
        `${j.id} (${j.status}, remoteJobId ${j.remoteJobId}, tagged in Slurm: ${carrying.get(j.id)?.join(',') ?? 'none'})`,
    );
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED']);

/**
 * Cancels, as their own account (no other may), the account's jobs named `prefix…` that Slurm
 * still runs or queues: the backstop that keeps a failed test from leaving jobs on the cluster.
 */
export async function cancelSlurmJobsNamed(
  accountSsh: TestSsh,
  account: string,
  prefix: string,
): Promise<number> {
  const active = (await slurmJobsNamed(accountSsh, account, prefix)).filter((j) =>
    ACTIVE.has(j.state),
  );
  if (active.length > 0) await accountSsh.run(`scancel ${active.map((j) => j.id).join(' ')}`);
  return active.length;
}

/** A prefix for one test's job names: its own, so that its jobs are told apart on the cluster. */
export const uniquePrefix = (what: string): string =>
  `rep-${what}-${randomBytes(3).toString('hex')}-`;

// ------------------------------------------------------------------ leases across the set

/**
 * The replica that holds the lease: the one whose /readyz says it holds it, named as the holder
 * by every live replica. Throws while they disagree, nobody holds it, or a replica reports no
 * leases (a gateway without coordination): call it inside a wait.
 */
export async function leaseHolder(set: ReplicaSet, name: string): Promise<number> {
  const live = [...Array(set.count).keys()].filter((i) => set.isUp(i));
  const views = await Promise.all(
    live.map(async (i) => ({ i, lease: leaseOf(await set.readyz(i), name) })),
  );
  const missing = views.filter((v) => v.lease === undefined).map((v) => set.ids[v.i]);
  if (missing.length > 0) throw new Error(`no lease ${name} in /readyz of ${missing.join(', ')}`);
  const holders = new Set(views.map((v) => v.lease!.holder));
  const claiming = views.filter((v) => v.lease!.heldHere).map((v) => v.i);
  if (holders.size !== 1 || claiming.length !== 1 || set.ids[claiming[0]!] !== [...holders][0]) {
    throw new Error(
      `the replicas disagree on ${name}: holders named ${JSON.stringify([...holders])}, ` +
        `held here by ${JSON.stringify(claiming.map((i) => set.ids[i]))}`,
    );
  }
  return claiming[0]!;
}

/**
 * After replica `killed` died at `since`: waits until another replica holds the lease `poll:<system>`
 * and has ended a poll cycle after `since`. Returns it and when that cycle ended (the new holder
 * is polling). Throws after `timeoutMs`; a bound on the takeover is the caller's to assert.
 */
export async function pollTakeover(
  set: ReplicaSet,
  {
    system,
    killed,
    since,
    timeoutMs,
  }: { system: string; killed: number; since: number; timeoutMs: number },
): Promise<{ replica: number; polledAt: number }> {
  return eventually(
    async () => {
      const replica = await leaseHolder(set, `poll:${system}`);
      if (replica === killed) throw new Error(`${set.ids[killed]} still holds poll:${system}`);
      const cycle = (await set.readyz(replica)).systems[system]?.lastPollCycle;
      const polledAt = cycle ? Date.parse(cycle.at) : 0;
      if (polledAt <= since) {
        throw new Error(`${set.ids[replica]} holds the lease but has not polled yet`);
      }
      return { replica, polledAt };
    },
    { timeoutMs, intervalMs: 50 },
  );
}

// ------------------------------------------------------------------ the tests' plumbing

/**
 * The jobs whose history does not say exactly once that they reached Slurm (`REMOTE_SUBMITTED`),
 * with how many times it does: each history read from the next replica in turn.
 */
export async function notSubmittedOnce(
  client: ReplicaClient,
  jobIds: readonly string[],
): Promise<string[]> {
  const counts = await mapLimit(jobIds, 20, async (jobId) => {
    const h = await client.callRetrying('GET', `/v3/jobs/${jobId}/history`);
    const events = h.body.events as JobEvent[];
    return events.filter((e) => e.event === 'REMOTE_SUBMITTED').length;
  });
  return jobIds.flatMap((id, n) =>
    counts[n] === 1 ? [] : [`${id}: ${counts[n]} REMOTE_SUBMITTED`],
  );
}

/**
 * Calls `fn` every `intervalMs` until it returns without throwing, and returns what it returned;
 * after `timeoutMs`, throws its last error. (For the bench: the tests use vitest's `vi.waitFor`.)
 */
export async function eventually<T>(
  fn: () => Promise<T>,
  { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; the results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * A test's cleanup: a bulk stop of its jobs through the replicas, then, whatever the gateways
 * did, a `scancel` of every Slurm job of its prefix still queued or running. The stop is given
 * 20 s: a failing test's gateways may not answer, and the cleanup must still end in its hook's
 * time (the schema is dropped after it).
 */
export async function stopJobsNamed(
  client: ReplicaClient,
  accountSsh: TestSsh,
  prefix: string,
): Promise<void> {
  await client
    .call('POST', '/v3/jobs/stop', {
      body: { selector: { names: [`${prefix}*`] }, mode: 'cancel' },
      timeoutMs: 20_000,
    })
    .catch(() => {});
  await cancelSlurmJobsNamed(accountSsh, REPLICA_ACCOUNT, prefix);
}

/**
 * For `expect(few(problems)).toEqual(few([]))`: how many things went wrong and the first five,
 * so that 200 failures read as a count and examples, not 200 lines.
 */
export const few = <T>(problems: readonly T[]): { count: number; first: T[] } => ({
  count: problems.length,
  first: problems.slice(0, 5),
});
