/// <reference lib="dom" />
import { median, row } from '../../packages/gateway/bench/stats.js';
import { launchBrowser, signIn, WatchedContext } from '../support/browser.js';
import { readClusterEnv } from '../support/cluster-env.js';
import { TestSsh } from '../support/ssh.js';
import { startWebGateway } from '../support/web-gateway.js';

// A Slurm state change → the open web page shows it, measured in the browser. Each job is
// submitted held, its page is opened, and a MutationObserver in the page notes (by the page's
// clock, performance.timeOrigin + performance.now()) when `job-status` first reads RUNNING and
// FINISHED; then the job is released. The job stamps `date +%s.%N` as its first act and as its
// last: the sandbox is this machine, one clock. Baseline in the same run: a held job released the
// same way, watched by a tight `squeue -h -t all -j ID -o %T` over one open ssh2 connection as the
// account. Beside the page, for the split, the gateway's own event stream for the same job.
const N = 10;
const USER = 'demo';
const env = readClusterEnv();
const gw = await startWebGateway(env);
const browser = await launchBrowser();
const ssh = await TestSsh.connect(env, USER);
const client = gw.sdk(USER);
const now = () => performance.timeOrigin + performance.now();

const body = (dir: string) =>
  `date +%s.%N > ${dir}/start-stamp\nsleep 2\ndate +%s.%N > ${dir}/end-stamp\n`;

/** Reads a stamp file (seconds since the epoch) as ms. */
async function stamp(path: string): Promise<number> {
  for (;;) {
    const r = await ssh.exec(`cat ${path} 2>/dev/null`);
    if (r.stdout.trim()) return Number(r.stdout.trim()) * 1000;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A row with its ratio to the baseline, and the difference. Slurm lists a job RUNNING as it
 * allocates it, a moment before the job's first act runs: a start's raw baseline is about zero,
 * or below, and a ratio to it says nothing; the difference does.
 */
function vsBaseline(label: string, samples: number[], baseline: number): string {
  const m = median(samples);
  const ratio = baseline >= 1 ? `×${(m / baseline).toFixed(2)} of baseline` : 'ratio n/a';
  const diff = `${m - baseline >= 0 ? '+' : ''}${(m - baseline).toFixed(1)} ms`;
  return `${label.padEnd(58)} median ${m.toFixed(1).padStart(7)} ms  n=${samples.length}  ${ratio}, ${diff}`;
}

const watched = await WatchedContext.create(browser);
const page = await signIn(watched, { gatewayUrl: gw.url, issuer: gw.op.issuer, username: USER });

interface Sample {
  start: number;
  end: number;
}

/** One job through the gateway: ms from its first act to RUNNING, from its last act to FINISHED. */
async function throughPage(i: number): Promise<{ page: Sample; stream: Sample }> {
  const job = await client.jobs.submitJob({
    name: `web-latency-${i}`,
    execSystemId: env.cluster,
    script: `#!/bin/bash\n#SBATCH --hold\n${body('.')}`,
  });
  gw.track(USER, job);
  const held = await client.jobs.waitForJob({
    jobId: job.id,
    until: ['PENDING'],
    timeoutMs: 30_000,
  });
  await page.goto(`${gw.url}/jobs/${job.id}`);
  await page
    .getByTestId('job-status')
    .filter({ hasText: /^\s*PENDING\s*$/ })
    .waitFor();
  // No named functions in here: tsx would wrap them in a helper the page does not have.
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { __seen: Record<string, number> }).__seen = seen;
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="job-status"]')?.textContent?.trim() ?? '';
      if (text && seen[text] === undefined) seen[text] = performance.timeOrigin + performance.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const streamSeen: Record<string, number> = {};
  const streamed = (async () => {
    const events = client.jobs.events({ jobId: job.id }, { signal: AbortSignal.timeout(60_000) });
    for await (const e of events) streamSeen[e.status] ??= now();
  })();

  await ssh.run(`scontrol release ${Number(held.remoteJobId)}`);
  await page.waitForFunction(
    () => (window as unknown as { __seen: Record<string, number> }).__seen.FINISHED !== undefined,
    undefined,
    { timeout: 60_000 },
  );
  await streamed;
  const seen = await page.evaluate(
    () => (window as unknown as { __seen: Record<string, number> }).__seen,
  );
  const dir = `~/hpcgate/jobs/${job.id}`;
  const [started, ended] = await Promise.all([
    stamp(`${dir}/start-stamp`),
    stamp(`${dir}/end-stamp`),
  ]);
  for (const [where, s] of [
    ['page', seen],
    ['event stream', streamSeen],
  ] as const) {
    if (s.RUNNING === undefined || s.FINISHED === undefined) {
      throw new Error(`the ${where} did not show RUNNING and FINISHED: ${JSON.stringify(s)}`);
    }
  }
  return {
    page: { start: seen.RUNNING! - started, end: seen.FINISHED! - ended },
    stream: { start: streamSeen.RUNNING! - started, end: streamSeen.FINISHED! - ended },
  };
}

/** The same job, sbatch'ed held and watched by a tight squeue loop over one open connection. */
async function raw(i: number): Promise<Sample> {
  const dir = `/tmp/hpcgate-weblat-${process.pid}-${i}`;
  await ssh.run(`mkdir -p ${dir}`);
  const wrapped = JSON.stringify(body(dir).trim().split('\n').join('; '));
  const id = Number(
    (await ssh.run(`sbatch --parsable --hold -o /dev/null --wrap ${wrapped}`)).trim(),
  );
  await ssh.run(`scontrol release ${id}`);
  let running: number | undefined;
  let completed: number | undefined;
  while (completed === undefined) {
    const state = (await ssh.exec(`squeue -h -t all -j ${id} -o %T`)).stdout.trim();
    const at = now();
    if (running === undefined && state !== 'PENDING' && state !== '') running = at;
    if (state === 'COMPLETED') completed = at;
  }
  const [started, ended] = await Promise.all([
    stamp(`${dir}/start-stamp`),
    stamp(`${dir}/end-stamp`),
  ]);
  await ssh.exec(`rm -rf ${dir}`);
  return { start: running! - started, end: completed - ended };
}

const raws: Sample[] = [];
const pages: Sample[] = [];
const streams: Sample[] = [];
try {
  for (let i = 0; i < N; i++) {
    raws.push(await raw(i));
    const { page: p, stream: s } = await throughPage(i);
    pages.push(p);
    streams.push(s);
  }
  const problems = watched.problems();
  if (problems.length > 0) {
    throw new Error(`the page reported problems: ${JSON.stringify(problems)}`);
  }
  console.log(`\nSlurm state change → the open web page shows it, in the browser (${N} runs each)`);
  console.log('ms from the job’s first act (start) or last act (end), `date +%s.%N`, same clock');
  for (const [what, key, word] of [
    ['start', 'start', 'RUNNING'],
    ['end', 'end', 'FINISHED'],
  ] as const) {
    const base = raws.map((r) => r[key]);
    const b = median(base);
    console.log(row(`${what}: raw squeue over one open connection sees it`, base));
    console.log(
      vsBaseline(
        `${what}: the job page reads ${word}`,
        pages.map((p) => p[key]),
        b,
      ),
    );
    console.log(
      vsBaseline(
        `${what}: (split) the gateway's event stream says ${word}`,
        streams.map((s) => s[key]),
        b,
      ),
    );
  }
} finally {
  await watched.close();
  await browser.close();
  ssh.close();
  await gw.close();
}
