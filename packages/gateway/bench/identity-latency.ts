import { isTerminal, type Job } from '@hpcgate/contract';
import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median, row } from './stats.js';

// Submit and cancel latency through the gateway now that each caller's jobs run as their own
// Unix account, each against its raw baseline over an open SSH connection as that account (alice),
// interleaved in the same run:
//  - submit: raw `sbatch --parsable` until it prints an id, vs POST /v3/jobs/submit until
//    GET /v3/jobs/{id} shows a non-null remoteJobId;
//  - cancel of a RUNNING job: raw `scancel` then squeue polled until CANCELLED, vs POST cancel
//    until GET shows CANCELLED.
// Then the SSH connections the gateway holds open while 3 users (alice, bob, carol) each have a
// RUNNING job: one per account, plus the service account's that reads the queue.
const N = 20;
// The account measured (HPCGATE_BENCH_ACCOUNT, default alice): the gateway's poll and its
// tag check list that account's jobs the controller still holds, so an account with fewer
// recent jobs measures lower.
const ACCOUNT = process.env.HPCGATE_BENCH_ACCOUNT ?? 'alice';
const USERS = ['alice', 'bob', 'carol'];
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const tokens = new Map<string, string>();
for (const user of new Set([ACCOUNT, ...USERS])) tokens.set(user, await issuer.token(user));
const token = tokens.get(ACCOUNT)!;
const ssh = clusterAs(system, ACCOUNT);
const sleeper = '#!/bin/bash\nsleep 300\n';
const rawIds: string[] = [];
/** Gateway job id → the caller (and account: callers here map to the same name) it belongs to. */
const gatewayIds = new Map<string, string>();

async function call(
  method: 'GET' | 'POST',
  url: string,
  body?: object,
  as: string = token,
): Promise<Job> {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${as}` },
    ...(body ? { payload: body } : {}),
  });
  if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Job;
}

async function until(jobId: string, ok: (j: Job) => boolean, as: string = token): Promise<Job> {
  for (;;) {
    const job = await call('GET', `/v3/jobs/${jobId}`, undefined, as);
    if (ok(job)) return job;
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function slurmState(id: string): Promise<string> {
  return (await ssh.exec(`squeue -h -t all -j ${id} -o %T`)).stdout.trim();
}

/** Cancels a raw job and waits until Slurm no longer holds its CPU. */
async function rawCleanup(id: string): Promise<void> {
  await ssh.exec(`scancel ${id}`);
  while (!['CANCELLED', 'COMPLETED', 'FAILED', ''].includes(await slurmState(id))) {}
}

async function rawSubmit(): Promise<number> {
  const t = performance.now();
  const id = (await ssh.exec(`sbatch --parsable --wrap 'sleep 300'`)).stdout.trim();
  const ms = performance.now() - t;
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed ${JSON.stringify(id)}`);
  rawIds.push(id);
  await rawCleanup(id);
  return ms;
}

async function gatewaySubmit(): Promise<number> {
  const t = performance.now();
  const job = await call('POST', '/v3/jobs/submit', {
    name: 'bench',
    execSystemId: system.id,
    script: sleeper,
  });
  gatewayIds.set(job.id, ACCOUNT);
  await until(job.id, (j) => j.remoteJobId !== null);
  const ms = performance.now() - t;
  await call('POST', `/v3/jobs/${job.id}/cancel`);
  await until(job.id, (j) => isTerminal(j.status));
  return ms;
}

async function rawCancel(): Promise<number> {
  const id = (await ssh.exec(`sbatch --parsable --wrap 'sleep 300'`)).stdout.trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed ${JSON.stringify(id)}`);
  rawIds.push(id);
  while ((await slurmState(id)) !== 'RUNNING') {}
  const t = performance.now();
  await ssh.exec(`scancel ${id}`);
  while ((await slurmState(id)) !== 'CANCELLED') {}
  return performance.now() - t;
}

async function gatewayCancel(): Promise<number> {
  const job = await call('POST', '/v3/jobs/submit', {
    name: 'bench',
    execSystemId: system.id,
    script: sleeper,
  });
  gatewayIds.set(job.id, ACCOUNT);
  await until(job.id, (j) => j.status === 'RUNNING');
  const t = performance.now();
  await call('POST', `/v3/jobs/${job.id}/cancel`);
  await until(job.id, (j) => j.status === 'CANCELLED');
  return performance.now() - t;
}

/** One RUNNING job per user at once; the connections the gateway holds then; all cancelled. */
async function connectionsWithUsersActive(): Promise<{ open: number; max: number }> {
  const jobs: Array<{ id: string; as: string }> = [];
  for (const user of USERS) {
    const as = tokens.get(user)!;
    const job = await call(
      'POST',
      '/v3/jobs/submit',
      { name: 'bench', execSystemId: system.id, script: sleeper },
      as,
    );
    gatewayIds.set(job.id, user);
    jobs.push({ id: job.id, as });
  }
  for (const { id, as } of jobs) await until(id, (j) => j.status === 'RUNNING', as);
  const connections = app.systems.get(system.id)!.scheduler.connections();
  for (const { id, as } of jobs) await call('POST', `/v3/jobs/${id}/cancel`, undefined, as);
  for (const { id, as } of jobs) await until(id, (j) => j.status === 'CANCELLED', as);
  return connections;
}

const results: Record<string, number[]> = { rawS: [], gwS: [], rawC: [], gwC: [] };
try {
  for (let i = 0; i < N; i++) {
    results.rawS!.push(await rawSubmit());
    results.gwS!.push(await gatewaySubmit());
    results.rawC!.push(await rawCancel());
    results.gwC!.push(await gatewayCancel());
  }
  const connections = await connectionsWithUsersActive();
  console.log(
    `\nSubmit and cancel latency as the caller's own account (${ACCOUNT}), gateway vs raw over an open SSH connection as ${ACCOUNT} (${N} runs each)`,
  );
  console.log(row('raw sbatch --parsable until it prints the id', results.rawS!));
  console.log(
    row('gateway: POST submit → GET shows remoteJobId', results.gwS!, median(results.rawS!)),
  );
  console.log(row('raw scancel + squeue polling, RUNNING job', results.rawC!));
  console.log(
    row(
      'gateway: POST cancel → GET shows CANCELLED, RUNNING job',
      results.gwC!,
      median(results.rawC!),
    ),
  );
  console.log(
    `${`gateway SSH connections open, ${USERS.length} users with a RUNNING job`.padEnd(58)} ${connections.open} of max ${connections.max} (${USERS.join(', ')} + service account ${system.user})`,
  );
} finally {
  // Every job this run made is cancelled, each as its own account: the raw ones by id, the
  // gateway ones by remote id.
  const byAccount = new Map<string, string[]>([[ACCOUNT, [...rawIds]]]);
  for (const [id, user] of gatewayIds) {
    const job = await call('GET', `/v3/jobs/${id}`, undefined, tokens.get(user)).catch(() => null);
    if (!job?.remoteJobId) continue;
    byAccount.set(user, [...(byAccount.get(user) ?? []), job.remoteJobId]);
  }
  for (const [account, ids] of byAccount) {
    if (ids.length === 0) continue;
    const conn = account === ACCOUNT ? ssh : clusterAs(system, account);
    await conn.exec(`scancel ${ids.join(' ')}`);
    if (conn !== ssh) conn.close();
  }
  ssh.close();
  await app.close();
}
