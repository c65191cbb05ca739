import type { Job } from '@hpcgate/contract';
import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median, row } from './stats.js';

// Cancel latency: request → CANCELLED visible through GET /v3/jobs/{id}, for a pending and a
// running job, the caller alice (her jobs run as the Unix account alice). Baseline, same run: raw
// `scancel` over an open SSH connection as alice, then squeue polled until Slurm itself says
// CANCELLED.
const N = 10;
const ACCOUNT = 'alice';
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const token = await issuer.token(ACCOUNT);
const ssh = clusterAs(system, ACCOUNT);
const held = '#!/bin/bash\n#SBATCH --hold\ntrue\n';
const sleeper = '#!/bin/bash\nsleep 300\n';
const rawIds: string[] = [];
const gatewayIds: string[] = [];

async function call(method: 'GET' | 'POST', url: string, body?: object): Promise<Job> {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(body ? { payload: body } : {}),
  });
  if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Job;
}

async function until(jobId: string, ok: (j: Job) => boolean): Promise<Job> {
  for (;;) {
    const job = await call('GET', `/v3/jobs/${jobId}`);
    if (ok(job)) return job;
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function gatewayCancel(script: string, state: 'PENDING' | 'RUNNING'): Promise<number> {
  const job = await call('POST', '/v3/jobs/submit', {
    name: 'bench',
    execSystemId: system.id,
    script,
  });
  gatewayIds.push(job.id);
  await until(job.id, (j) => j.status === state);
  const t = performance.now();
  await call('POST', `/v3/jobs/${job.id}/cancel`);
  await until(job.id, (j) => j.status === 'CANCELLED');
  return performance.now() - t;
}

async function rawCancel(flags: string, state: string): Promise<number> {
  const id = (await ssh.exec(`sbatch --parsable ${flags} --wrap 'sleep 300'`)).stdout.trim();
  if (!/^\d+$/.test(id)) throw new Error(`sbatch printed ${JSON.stringify(id)}`);
  rawIds.push(id);
  while ((await ssh.exec(`squeue -h -t all -j ${id} -o %T`)).stdout.trim() !== state) {}
  const t = performance.now();
  await ssh.exec(`scancel ${id}`);
  while ((await ssh.exec(`squeue -h -t all -j ${id} -o %T`)).stdout.trim() !== 'CANCELLED') {}
  return performance.now() - t;
}

const results: Record<string, number[]> = { rawP: [], gwP: [], rawR: [], gwR: [] };
try {
  for (let i = 0; i < N; i++) {
    results.rawP!.push(await rawCancel('--hold', 'PENDING'));
    results.gwP!.push(await gatewayCancel(held, 'PENDING'));
    results.rawR!.push(await rawCancel('', 'RUNNING'));
    results.gwR!.push(await gatewayCancel(sleeper, 'RUNNING'));
  }
  console.log(`\nCancel latency, request → CANCELLED visible (${N} runs each, as ${ACCOUNT})`);
  console.log(row('raw scancel + squeue polling, PENDING job', results.rawP!));
  console.log(
    row(
      'gateway: POST cancel → GET shows CANCELLED, PENDING job',
      results.gwP!,
      median(results.rawP!),
    ),
  );
  console.log(row('raw scancel + squeue polling, RUNNING job', results.rawR!));
  console.log(
    row(
      'gateway: POST cancel → GET shows CANCELLED, RUNNING job',
      results.gwR!,
      median(results.rawR!),
    ),
  );
} finally {
  // Nothing left behind after a failed run either: every job made here is cancelled by its id.
  const remote: string[] = [];
  for (const id of gatewayIds) {
    const rid = (await call('GET', `/v3/jobs/${id}`).catch(() => null))?.remoteJobId;
    if (rid) remote.push(rid);
  }
  const all = [...rawIds, ...remote];
  if (all.length) await ssh.exec(`scancel ${all.join(' ')}`);
  ssh.close();
  await app.close();
}
