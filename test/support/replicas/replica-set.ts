import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import pg from 'pg';
import type { ClusterEnv } from '../cluster-env.js';
import { gatewayConfig } from '../gateway.js';
import { AUDIENCE, createIssuer, ISSUER } from '../tokens.js';
import { ReplicaClient } from './client.js';
import type { ReplicaReadiness } from './readiness.js';
import { Replica, repoRoot, SERVER } from './replica.js';
import { freePort } from './util.js';

// Several gateway processes on one PostgreSQL schema and the real cluster, for issue 13's replica
// tests and bench. Each replica is a child process (`node packages/gateway/dist/server.js`), so
// that a `kill -9` is a real crash: no close hook runs, its sockets and SSH channels just drop.

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

export interface ReplicaSetOptions {
  /** Names the temp dir and the log files: the test file's subject, `[a-z0-9-]`. */
  name: string;
  count?: number;
  /** `replicas.leaseTtlMs`; the gateway's default (5000) when absent. */
  leaseTtlMs?: number;
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
