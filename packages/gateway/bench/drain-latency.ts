import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median, row } from './stats.js';

// A drained array: from the last running task's end (its last act writes the time; the sandbox
// is this machine: one clock) to the gateway saying CANCELLED/DRAINED_BY_USER. Baseline, same
// run: the same array drained with `scancel --state=PENDING` and `squeue` polled as the account
// until no task runs. Also: drain request → job over, through the gateway.
const N = 5;
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const token = await issuer.token('demo');
const ssh = clusterAs(system, 'demo');
const auth = { authorization: `Bearer ${token}` };
const command = (tag: string) =>
  `sleep 2; date +%s%N > "$HOME/.hpcgate-drain-${tag}.$SLURM_ARRAY_TASK_ID"`;

async function lastTaskEnd(tag: string): Promise<number> {
  const r = await ssh.exec(
    `cat "$HOME"/.hpcgate-drain-${tag}.* 2>/dev/null; rm -f "$HOME"/.hpcgate-drain-${tag}.*`,
  );
  return Math.max(...r.stdout.split('\n').filter(Boolean).map(Number));
}

async function gateway(i: number): Promise<{ lag: number; total: number }> {
  const tag = `gw-${process.pid}-${i}`;
  const res = await app.inject({
    method: 'POST',
    url: '/v3/jobs/submit',
    headers: auth,
    payload: {
      name: 'drainlat',
      execSystemId: system.id,
      command: command(tag),
      array: { indices: '1-20', maxParallel: 4 },
    },
  });
  const id = res.json().id as string;
  const get = async () => (await app.inject({ url: `/v3/jobs/${id}`, headers: auth })).json();
  while ((await get()).tasks?.counts.RUNNING !== 4) await new Promise((r) => setTimeout(r, 20));
  const asked = performance.now();
  await app.inject({
    method: 'POST',
    url: `/v3/jobs/${id}/cancel`,
    headers: auth,
    payload: { mode: 'drain' },
  });
  for (;;) {
    const job = await get();
    if (job.status === 'CANCELLED') break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const seen = Date.now() * 1e6;
  const total = performance.now() - asked;
  return { lag: (seen - (await lastTaskEnd(tag))) / 1e6, total };
}

async function raw(i: number): Promise<number> {
  const tag = `raw-${process.pid}-${i}`;
  const id = (
    await ssh.exec(`sbatch --parsable -o /dev/null --array=1-20%4 --wrap '${command(tag)}'`)
  ).stdout.trim();
  const running = async () =>
    (await ssh.exec(`squeue -h -r -j ${id} -t RUNNING -o %i`)).stdout.split('\n').filter(Boolean)
      .length;
  while ((await running()) !== 4) {}
  await ssh.exec(`scancel --state=PENDING ${id}`);
  while (
    (await ssh.exec(`squeue -h -r -j ${id} -t PENDING,RUNNING,COMPLETING -o %i`)).stdout.trim()
  ) {}
  const seen = Date.now() * 1e6;
  return (seen - (await lastTaskEnd(tag))) / 1e6;
}

const rawMs: number[] = [];
const gwMs: number[] = [];
const totals: number[] = [];
for (let i = 0; i < N; i++) {
  rawMs.push(await raw(i));
  const g = await gateway(i);
  gwMs.push(g.lag);
  totals.push(g.total);
}
console.log(
  `\nDrain of a 20-task array (4 running): the last running task's end → seen (${N} runs each)`,
);
console.log(row('raw scancel --state=PENDING + squeue polled', rawMs));
console.log(row('gateway: the job says CANCELLED/DRAINED_BY_USER', gwMs, median(rawMs)));
console.log(
  `${'gateway: drain request → job over (running tasks had 2 s)'.padEnd(58)} median ${median(totals).toFixed(1).padStart(7)} ms  n=${totals.length}`,
);
ssh.close();
await app.close();
