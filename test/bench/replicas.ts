import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { median } from '../../packages/gateway/bench/stats.js';
import { readClusterEnv } from '../support/cluster-env.js';
import { REPLICA_CALLER } from '../support/replicas/caller.js';
import { leaseHolder, pollTakeover } from '../support/replicas/leases.js';
import { type ReplicaSet, startReplicas } from '../support/replicas/replica-set.js';
import { eventually } from '../support/replicas/util.js';

// Three gateway replicas on one PostgreSQL schema and the sandbox (support/replicas/replica-set.ts), in one
// run on one machine:
// - lease failover: kill -9 the replica holding `poll:<system>`, and time until another one
//   holds the lease and has ended a poll cycle (the default leaseTtlMs, 5 s); the killed one is
//   started again before the next round. Median of 5.
// - getJob throughput: `GET /v3/jobs/{id}` of a RUNNING job with a valid token, from 50
//   keep-alive connections for 10 s (after 2 s of warm-up), against one replica, then against
//   the three (connection k to replica k mod 3, as a load balancer spreads connections).
// The load generator is this process, on the same CPUs as the replicas and PostgreSQL.
const ROUNDS = 5;
const CONNECTIONS = 50;
const WARMUP_MS = 2_000;
const MEASURE_MS = 10_000;

/** Where the figures come from: the CPUs (shared with PostgreSQL, the cluster and the load). */
const machine = () =>
  `${cpus().length} CPUs (${cpus()[0]?.model.trim()}), node ${process.version}; ` +
  `uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`;

/** One failover: the holder killed, a survivor polling; the holder started again. */
async function failover(set: ReplicaSet, system: string): Promise<number> {
  const holder = await eventually(() => leaseHolder(set, `poll:${system}`), { timeoutMs: 30_000 });
  const killedAt = Date.now();
  await set.kill(holder);
  const { polledAt } = await pollTakeover(set, {
    system,
    killed: holder,
    since: killedAt,
    timeoutMs: 60_000,
  });
  await set.restart(holder);
  return polledAt - killedAt;
}

interface LoadResult {
  requests: number;
  failures: number;
  rps: number;
  p50: number;
  p99: number;
}

/** One GET on the agent's connection; resolves with the status once the body is read. */
function get(agent: Agent, url: URL, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * CONNECTIONS loops, loop k on `urls[k mod n]` over its own keep-alive connection, each sending
 * its next request when the last is answered. Counts what started after the warm-up and ended
 * before the end.
 */
async function load(urls: URL[], token: string): Promise<LoadResult> {
  const start = performance.now();
  const from = start + WARMUP_MS;
  const until = from + MEASURE_MS;
  const latencies: number[] = [];
  let failures = 0;
  const loop = async (k: number) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = urls[k % urls.length]!;
    try {
      for (let t = performance.now(); t < until; t = performance.now()) {
        const status = await get(agent, url, token).catch(() => 0);
        const end = performance.now();
        if (t < from || end > until) continue;
        if (status === 200) latencies.push(end - t);
        else failures++;
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, k) => loop(k)));
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    requests: sorted.length,
    failures,
    rps: sorted.length / (MEASURE_MS / 1000),
    p50: at(0.5),
    p99: at(0.99),
  };
}

const line = (label: string, r: LoadResult, baseline?: LoadResult) =>
  `${label.padEnd(44)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  ` +
  `p99 ${r.p99.toFixed(1).padStart(6)} ms  n=${r.requests}${r.failures ? `  failed ${r.failures}` : ''}` +
  (baseline ? `  ×${(r.rps / baseline.rps).toFixed(2)} req/s of 1 replica` : '  (baseline)');

console.log(`replicas bench, ${machine()}`);
const env = readClusterEnv();
const set = await startReplicas(env, { name: 'bench' });
const client = set.client(REPLICA_CALLER);
let jobId: string | null = null;
try {
  // One running job: the poller has something to watch (a cycle with nothing runs no poll), and
  // it is the job getJob reads.
  const submitted = await client.callRetrying('POST', '/v3/jobs/submit', {
    body: { name: 'replicas-bench', execSystemId: env.cluster, command: 'sleep 3600' },
  });
  if (submitted.status !== 201) throw new Error(`submit answered ${submitted.status}`);
  const id = submitted.body.id as string;
  jobId = id;
  await eventually(
    async () => {
      const job = await client.call('GET', `/v3/jobs/${id}`);
      if (job.body.status !== 'RUNNING') throw new Error(`job is ${job.body.status}`);
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );

  const failovers: number[] = [];
  for (let round = 0; round < ROUNDS; round++) failovers.push(await failover(set, env.cluster));
  console.log(
    `${'lease failover (kill -9 → a survivor polled)'.padEnd(44)} median ${median(failovers).toFixed(0).padStart(5)} ms  ` +
      `n=${ROUNDS} (${failovers.join(', ')} ms; leaseTtlMs 5000)`,
  );

  const token = await set.token(REPLICA_CALLER);
  const urls = [...Array(set.count).keys()].map((i) => new URL(`${set.url(i)}/v3/jobs/${id}`));
  const one = await load(urls.slice(0, 1), token);
  console.log(line(`getJob, 1 replica, ${CONNECTIONS} connections`, one));
  const all = await load(urls, token);
  console.log(line(`getJob, ${set.count} replicas round-robin, ${CONNECTIONS} conns`, all, one));
} finally {
  if (jobId) {
    await client
      .callRetrying('POST', `/v3/jobs/${jobId}/cancel`, { body: { wait: 30 }, attempts: 3 })
      .catch((err: Error) => console.error(`cancelling the bench's job failed: ${err.message}`));
  }
  await set.close();
}
