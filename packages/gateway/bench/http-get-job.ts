import type { Job } from '@hpcgate/contract';
import { buildApp } from '../src/app.js';
import { sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import {
  bareFastify,
  CONNECTIONS,
  DURATION_S,
  line,
  measureAll,
  REPEATS,
  ratio,
  rs256Issuer,
  slurmrestd,
  summarize,
} from './http-load.js';

// GET /v3/jobs/{id} under load: bob's RUNNING job (`sleep 600`, cancelled at the end), a real
// RS256 bearer token verified by the gateway, the gateway listening on 127.0.0.1, autocannon in a
// process of its own (50 connections, 10 s, 3 rounds after a warm-up). Baselines in the same run:
// Debian's slurmrestd (as bob, unix socket, rest_auth/local) answering GET
// /slurm/v0.0.38/job/{slurmId} for the same job, and a bare Fastify route answering the very body
// the gateway answered. Goals (issue 14): ≥10× slurmrestd, ≥0.5× bare Fastify, p99 < 10 ms.
// On the commit before the HTTP work (ecfbf3d), in one run on this 2-CPU machine (shared with
// other work): 1,943 req/s (1,670–2,297), p99 100 ms; ×5.4 slurmrestd's 361, ×0.45 bare
// Fastify's 4,283 (HTTP_BENCH_* env: connections, seconds, repeats, warm-up seconds).
const TODAY = { rps: 1943, p99: 100 };
const ACCOUNT = 'bob';
const issuer = await rs256Issuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const token = await issuer.token(ACCOUNT);
const authorization = `Bearer ${token}`;

async function call(method: 'GET' | 'POST', url: string, body?: object): Promise<Job> {
  const res = await app.inject({
    method,
    url,
    headers: { authorization },
    ...(body ? { payload: body } : {}),
  });
  if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Job;
}

const closers: (() => Promise<unknown>)[] = [];
let jobId: string | undefined;
try {
  const submitted = await call('POST', '/v3/jobs/submit', {
    name: 'bench-http-get',
    execSystemId: system.id,
    command: 'sleep 600',
  });
  jobId = submitted.id;
  let job = submitted;
  for (const t0 = Date.now(); job.status !== 'RUNNING'; ) {
    if (Date.now() - t0 > 60_000) throw new Error(`job still ${job.status} after 60 s`);
    await new Promise((r) => setTimeout(r, 100));
    job = await call('GET', `/v3/jobs/${jobId}`);
  }
  const path = `/v3/jobs/${jobId}`;
  const body = (await app.inject({ method: 'GET', url: path, headers: { authorization } })).body;

  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const rest = await slurmrestd(ACCOUNT);
  closers.push(rest.close);
  const restPath = `/slurm/v0.0.38/job/${job.remoteJobId}`;
  const probe = await fetchOverSocket(rest.socketPath, restPath);
  if (!probe.includes(`"job_id": ${job.remoteJobId}`)) {
    throw new Error(`slurmrestd ${restPath} answered: ${probe.slice(0, 300)}`);
  }
  const bare = await bareFastify('/v3/jobs/:jobId', body);
  closers.push(bare.close);

  console.error(
    `http-get-job: ${CONNECTIONS} connections, ${DURATION_S} s, ${REPEATS} rounds; job ${jobId} (Slurm ${job.remoteJobId}), body ${body.length} bytes`,
  );
  const runs = await measureAll([
    { label: 'gateway', url: `http://127.0.0.1:${port}${path}`, headers: { authorization } },
    { label: 'slurmrestd', url: `http://localhost${restPath}`, socketPath: rest.socketPath },
    { label: 'bare Fastify', url: `${bare.base}${path}` },
  ]);
  const gw = summarize(runs.get('gateway')!);
  const sr = summarize(runs.get('slurmrestd')!);
  const bf = summarize(runs.get('bare Fastify')!);
  console.log(
    `\nGET /v3/jobs/{id}, a RUNNING job, RS256 bearer token: ${CONNECTIONS} connections × ${DURATION_S} s, median (min–max) of ${REPEATS}`,
  );
  console.log(line('gateway', gw));
  console.log(line('slurmrestd GET /slurm/v0.0.38/job/{id} (bob)', sr));
  console.log(line('bare Fastify, same body', bf));
  console.log(ratio('slurmrestd', gw, sr, '≥ ×10'));
  console.log(ratio('bare Fastify', gw, bf, '≥ ×0.5'));
  console.log(
    `  p99 ${gw.p99.median.toFixed(1)} ms (goal < 10 ms); before the HTTP work (ecfbf3d): ~${TODAY.rps} req/s, p99 ~${TODAY.p99} ms → ×${(gw.rps.median / TODAY.rps).toFixed(2)}`,
  );
} finally {
  for (const close of closers.reverse()) await close().catch(() => {});
  if (jobId) await call('POST', `/v3/jobs/${jobId}/cancel`, { wait: 30 }).catch(() => {});
  await app.close();
  issuer.close();
}

/** One GET over a unix socket (the probe that slurmrestd answers for the job). */
async function fetchOverSocket(socketPath: string, path: string): Promise<string> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET' }, (res) => {
      let out = '';
      res.on('data', (b: Buffer) => {
        out += b.toString();
      });
      res.on('end', () => resolve(out));
    });
    req.on('error', reject);
    req.end();
  });
}
