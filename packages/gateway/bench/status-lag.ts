import { Agent, request } from 'node:http';
import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median, row } from './stats.js';

// Status lag: from a job's own first and last act (each stamps `date +%s%N`; the sandbox is this
// machine: one clock) to the gateway's event stream saying RUNNING and FINISHED, and GET saying
// so. Baseline, same run, same script: `squeue -j ID` polled back to back over one open
// connection as the account, until it says RUNNING and COMPLETED.
// Then the poll's cost with 1 to 10,000 active jobs: commands and time of one whole cycle.
const N = 10;
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(
  testConfig([system], issuer.jwksFile, ':memory:', { outputs: { collect: false } }),
);
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const ACCOUNT = 'demo';
const token = await issuer.token(ACCOUNT);
const auth = { authorization: `Bearer ${token}` };
const ssh = clusterAs(system, ACCOUNT);
const script = (tag: string) =>
  `#!/bin/bash\ndate +%s%N > "$HOME/.hpcgate-lag-${tag}.start"\nsleep 1\ndate +%s%N > "$HOME/.hpcgate-lag-${tag}.end"\n`;
const nowNs = () => Date.now() * 1e6;

async function stamps(tag: string): Promise<{ start: number; end: number }> {
  for (;;) {
    const r = await ssh.exec(
      `cat "$HOME/.hpcgate-lag-${tag}.start" "$HOME/.hpcgate-lag-${tag}.end" 2>/dev/null`,
    );
    const [start, end] = r.stdout.split('\n').filter(Boolean).map(Number);
    if (start && end) {
      await ssh.exec(`rm -f "$HOME/.hpcgate-lag-${tag}".*`);
      return { start, end };
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** When the job's event stream first said each status (ns). */
function follow(jobId: string, statuses: string[]): Promise<Map<string, number>> {
  return new Promise((resolve, reject) => {
    const seen = new Map<string, number>();
    const req = request(`${url}/v3/jobs/${jobId}/events`, {
      headers: { ...auth, accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (const s of statuses) {
          if (!seen.has(s) && buf.includes(`"status":"${s}"`)) seen.set(s, nowNs());
        }
        if (seen.size === statuses.length) {
          resolve(seen);
          req.destroy();
        }
      });
    });
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

/** GET over HTTP, as a client does (the in-process inject keeps every request it made). */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function getStatus(jobId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v3/jobs/${jobId}`, { agent, headers: auth }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve((JSON.parse(body) as { status: string }).status));
    });
    req.on('error', reject);
    req.end();
  });
}

/** When GET first said each status (ns), polled back to back (a minute at most). */
async function getUntil(jobId: string, statuses: string[]): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const deadline = Date.now() + 60_000;
  while (seen.size < statuses.length) {
    const status = await getStatus(jobId);
    const at = nowNs();
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${status} after a minute`);
    for (const s of statuses) {
      if (!seen.has(s) && (status === s || statuses.indexOf(status) > statuses.indexOf(s))) {
        seen.set(s, at);
      }
    }
  }
  return seen;
}

async function gateway(i: number) {
  const tag = `gw-${process.pid}-${i}`;
  const res = await app.inject({
    method: 'POST',
    url: '/v3/jobs/submit',
    headers: auth,
    payload: { name: 'lag', execSystemId: system.id, script: script(tag) },
  });
  const jobId = (res.json() as { id: string }).id;
  const [stream, get] = await Promise.all([
    follow(jobId, ['RUNNING', 'FINISHED']),
    getUntil(jobId, ['RUNNING', 'FINISHED']),
  ]);
  const t = await stamps(tag);
  return {
    streamStart: (stream.get('RUNNING')! - t.start) / 1e6,
    streamEnd: (stream.get('FINISHED')! - t.end) / 1e6,
    getStart: (get.get('RUNNING')! - t.start) / 1e6,
    getEnd: (get.get('FINISHED')! - t.end) / 1e6,
  };
}

async function raw(i: number) {
  const tag = `raw-${process.pid}-${i}`;
  const body = script(tag).split('\n').slice(1).filter(Boolean).join('; ');
  const id = (
    await ssh.exec(`sbatch --parsable -o /dev/null --wrap ${JSON.stringify(body)}`)
  ).stdout.trim();
  let running = 0;
  for (;;) {
    const state = (await ssh.exec(`squeue -h -t all -j ${id} -o %T`)).stdout.trim();
    if (state === 'RUNNING' && !running) running = nowNs();
    if (state === 'COMPLETED') break;
  }
  const completed = nowNs();
  const t = await stamps(tag);
  return { start: (running - t.start) / 1e6, end: (completed - t.end) / 1e6 };
}

const r = { rawStart: [] as number[], rawEnd: [] as number[] };
const g = {
  streamStart: [] as number[],
  streamEnd: [] as number[],
  getStart: [] as number[],
  getEnd: [] as number[],
};
const sentBefore = app.systems.get(system.id)!.scheduler.commandsSent;
for (let i = 0; i < N; i++) {
  const a = await raw(i);
  r.rawStart.push(a.start);
  r.rawEnd.push(a.end);
  const b = await gateway(i);
  for (const k of Object.keys(g) as (keyof typeof g)[]) g[k].push(b[k]);
}
const commandsPerJob = (app.systems.get(system.id)!.scheduler.commandsSent - sentBefore) / N;

console.log(
  `\nStatus lag, from the job's own act to the gateway saying so (${N} runs each, as ${ACCOUNT})`,
);
console.log(row('raw squeue -j polled until COMPLETED, after the last act', r.rawEnd));
console.log(row('gateway: event stream says FINISHED', g.streamEnd, median(r.rawEnd)));
console.log(row('gateway: GET says FINISHED', g.getEnd, median(r.rawEnd)));
// Slurm says RUNNING before the script's first act (the raw lag is negative): no ratio to it.
console.log(row('raw squeue -j polled until RUNNING, after the first act', r.rawStart));
const start = (label: string, xs: number[]) =>
  console.log(`${row(label, xs).replace('  (baseline)', '')}  (Slurm said RUNNING first)`);
start('gateway: event stream says RUNNING', g.streamStart);
start('gateway: GET says RUNNING', g.getStart);
console.log(
  `${'remote commands per job (submit, looks, cycles)'.padEnd(58)} ${commandsPerJob.toFixed(1).padStart(14)}`,
);

// The whole cycle's cost as the number of active jobs grows: 1 and 100 held jobs, then a held
// array of 1,000 and one of 10,000 tasks (one job each in the gateway, every task a queue line).
const monitor = app.jobs.monitor(system.id)!;
async function cycleWith(label: string, submit: () => Promise<string[]>) {
  const ids = await submit();
  // Until Slurm has them all (a cycle that lists them).
  for (;;) {
    await monitor.refresh();
    const jobs = await Promise.all(ids.map((id) => app.store.get(id)));
    if (jobs.every((j) => j?.status === 'PENDING')) break;
  }
  await monitor.refresh();
  const { commands, durationMs, watchedJobs } = monitor.lastCycle!;
  console.log(
    `${`whole poll cycle, ${label}`.padEnd(58)} ${String(commands).padStart(3)} command(s) ${durationMs.toFixed(1).padStart(8)} ms  (${watchedJobs} watched)`,
  );
  const stop = await app.inject({
    method: 'POST',
    url: '/v3/jobs/stop',
    headers: auth,
    payload: { selector: { ids } },
  });
  if (stop.statusCode !== 200) throw new Error(`stop answered ${stop.statusCode}: ${stop.body}`);
}
const held = '#!/bin/bash\n#SBATCH --hold\ntrue\n';
async function submitHeld(n: number, array?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, () =>
        app.inject({
          method: 'POST',
          url: '/v3/jobs/submit',
          headers: auth,
          payload: {
            name: 'lag-cycle',
            execSystemId: system.id,
            script: held,
            ...(array ? { array: { indices: array } } : {}),
          },
        }),
      ),
    );
    for (const res of batch) ids.push((res.json() as { id: string }).id);
  }
  return ids;
}
try {
  await cycleWith('1 active job', () => submitHeld(1));
  await cycleWith('100 active jobs', () => submitHeld(100));
  await cycleWith('an array of 1,000 pending tasks', () => submitHeld(1, '1-1000'));
  await cycleWith('an array of 10,000 pending tasks', () => submitHeld(1, '1-10000'));
} finally {
  agent.destroy();
  ssh.close();
  await app.close();
}
