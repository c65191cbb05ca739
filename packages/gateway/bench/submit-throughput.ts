import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';

// Submit throughput: N submits through the gateway, C at a time, until every job has reached
// Slurm (its Slurm id recorded); baseline, same run: raw `sbatch --parsable --hold --wrap` over
// one open ssh2 connection as the same account, 6 at a time (sshd's safe channels). Held jobs,
// so nothing runs; all are cancelled after. SUBMIT_REPEATS rounds (3), each baseline then
// gateway, medians printed; and the remote commands the gateway sent per job (submits arriving
// together share one: the Slurm adapter's submit batches).
const N = Number(process.env.SUBMIT_N ?? 200);
const REPEATS = Number(process.env.SUBMIT_REPEATS ?? 3);
const C = 20;
const ACCOUNT = 'carol';
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(
  testConfig([system], issuer.jwksFile, ':memory:', { outputs: { collect: false } }),
);
const token = await issuer.token(ACCOUNT);
const auth = { authorization: `Bearer ${token}` };
const ssh = clusterAs(system, ACCOUNT);
const held = '#!/bin/bash\n#SBATCH --hold\ntrue\n';

async function pool<T>(n: number, width: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await one(i);
      }
    }),
  );
  return out;
}

async function raw(): Promise<{ perSecond: number; ids: string[] }> {
  const t = performance.now();
  const ids = await pool(N, 6, async () => {
    const r = await ssh.exec(
      'sbatch --parsable --hold -o /dev/null --job-name=submit-raw --wrap true',
    );
    return r.stdout.trim();
  });
  return { perSecond: N / ((performance.now() - t) / 1000), ids };
}

const scheduler = app.systems.get(system.id)!.scheduler;

async function gateway(): Promise<{
  accepted: number;
  reached: number;
  ids: string[];
  commands: number;
}> {
  const commands = scheduler.commandsSent;
  const t = performance.now();
  const ids = await pool(N, C, async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v3/jobs/submit',
      headers: auth,
      payload: { name: 'submit-gw', execSystemId: system.id, script: held },
    });
    if (res.statusCode !== 201) throw new Error(`submit answered ${res.statusCode}: ${res.body}`);
    return (res.json() as { id: string }).id;
  });
  const accepted = performance.now() - t;
  // A submission that is retried (its answer lost, Slurm busy) takes a minute or more: the
  // figure would mean nothing; say which and why instead of waiting for it.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jobs = await Promise.all(ids.map((id) => app.store.get(id)));
    if (jobs.every((j) => j?.remoteJobId)) break;
    const late = jobs.filter((j) => !j?.remoteJobId);
    if (jobs.some((j) => j?.status === 'FAILED') || Date.now() > deadline) {
      const why = late.slice(0, 3).map((j) => `${j?.status}: ${j?.lastMessage}`);
      throw new Error(`${late.length} submissions did not reach Slurm: ${why.join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const reached = performance.now() - t;
  return {
    accepted: N / (accepted / 1000),
    reached: N / (reached / 1000),
    ids,
    commands: scheduler.commandsSent - commands,
  };
}

const line = (label: string, perSecond: number, base?: number) =>
  `${label.padEnd(58)} ${perSecond.toFixed(1).padStart(7)} jobs/s${base ? `  ×${(perSecond / base).toFixed(2)} of baseline` : '  (baseline)'}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const remote: string[] = [];
try {
  const rounds: { raw: number; reached: number; accepted: number; commands: number }[] = [];
  for (let round = 0; round < REPEATS; round++) {
    const r = await raw();
    remote.push(...r.ids);
    const g = await gateway();
    for (const id of g.ids) {
      const rid = (await app.store.get(id))?.remoteJobId;
      if (rid) remote.push(rid);
    }
    rounds.push({
      raw: r.perSecond,
      reached: g.reached,
      accepted: g.accepted,
      commands: g.commands,
    });
    console.log(
      `round ${round + 1}: raw ${r.perSecond.toFixed(1)}, gateway reached ${g.reached.toFixed(1)} (×${(g.reached / r.perSecond).toFixed(2)}), answered ${g.accepted.toFixed(1)} jobs/s; ${g.commands} remote commands`,
    );
  }
  const base = median(rounds.map((r) => r.raw));
  console.log(`\nSubmit throughput, ${N} held jobs as ${ACCOUNT}, median of ${REPEATS}`);
  console.log(line('raw sbatch over one ssh2 connection, 6 channels', base));
  console.log(
    line(`gateway: ${C} at a time, all reached Slurm`, median(rounds.map((r) => r.reached)), base),
  );
  console.log(
    line(`gateway: ${C} at a time, all answered 201`, median(rounds.map((r) => r.accepted)), base),
  );
  console.log(
    `  ratio reached/raw by round: ${rounds.map((r) => (r.reached / r.raw).toFixed(2)).join(', ')}`,
  );
  console.log(
    `  remote commands per submitted job: ${(median(rounds.map((r) => r.commands)) / N).toFixed(2)} (submits, polls, announcements)`,
  );
} finally {
  for (let i = 0; i < remote.length; i += 200) {
    await ssh.exec(`scancel ${remote.slice(i, i + 200).join(' ')}`);
  }
  ssh.close();
  await app.close();
}
