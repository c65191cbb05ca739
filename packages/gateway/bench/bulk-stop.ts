import type { Job } from '@hpcgate/contract';
import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';

// Bulk stop of N held jobs by their ids: the gateway's POST /v3/jobs/stop (one call, every job
// CANCELLED by Slurm's word) vs a raw `scancel` of the same number of ids as the same account,
// until squeue lists none of them as pending. Same run, same account (carol).
const N = Number(process.env.BULK_N ?? 200);
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const token = await issuer.token('carol');
const ssh = clusterAs(system, 'carol');
const held = '#!/bin/bash\n#SBATCH --hold\ntrue\n';

async function call(method: 'GET' | 'POST', url: string, body?: object) {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(body ? { payload: body } : {}),
  });
  if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function rawBaseline(): Promise<number> {
  const r = await ssh.exec(
    `for i in $(seq ${N}); do sbatch --parsable --hold --job-name=bulk-raw -o /dev/null --wrap true; done`,
  );
  const ids = r.stdout.split('\n').filter(Boolean);
  const t = performance.now();
  await ssh.exec(`scancel ${ids.join(' ')}`);
  while ((await ssh.exec('squeue -h -t PENDING --name=bulk-raw -o %i')).stdout.trim() !== '') {}
  return performance.now() - t;
}

async function gateway(): Promise<{ answered: number; ended: number }> {
  const jobs: Job[] = [];
  for (let i = 0; i < N; i += 50) {
    jobs.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(50, N - i) }, () =>
          call('POST', '/v3/jobs/submit', {
            name: 'bulk-gw',
            execSystemId: system.id,
            script: held,
          }),
        ),
      )),
    );
  }
  // Every job queued in Slurm first (its Slurm id known).
  for (;;) {
    const pending = await app.store.select('carol', {
      names: ['bulk-gw'],
      status: ['PROCESSING_INPUTS'],
    });
    if (pending.length === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const t = performance.now();
  const answer = await call('POST', '/v3/jobs/stop', { selector: { ids: jobs.map((j) => j.id) } });
  const answered = performance.now() - t;
  if (answer.results.length !== N)
    throw new Error(`stop answered ${answer.results.length} results`);
  for (;;) {
    const left = await app.store.select('carol', {
      names: ['bulk-gw'],
      status: ['PENDING', 'RUNNING'],
    });
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { answered, ended: performance.now() - t };
}

const raw = await rawBaseline();
const gw = await gateway();
console.log(`\nBulk stop of ${N} held jobs by id (one run)`);
console.log(
  `raw scancel of ${N} ids + squeue until none pending      ${raw.toFixed(0).padStart(7)} ms  (baseline)`,
);
console.log(
  `gateway POST /v3/jobs/stop answered                      ${gw.answered.toFixed(0).padStart(7)} ms  ×${(gw.answered / raw).toFixed(2)} of baseline`,
);
console.log(
  `gateway: every job CANCELLED in the store                ${gw.ended.toFixed(0).padStart(7)} ms  ×${(gw.ended / raw).toFixed(2)} of baseline`,
);
ssh.close();
await app.close();
