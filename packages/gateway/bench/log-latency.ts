import { request } from 'node:http';
import { buildApp } from '../src/app.js';
import { shellQuote } from '../src/scheduler/slurm/quote.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median, row } from './stats.js';

// A line written by a job → the line at a `logs?follow=true` client. Each line carries the time
// it was written (date +%s%N; the sandbox is this machine: one clock). Baseline, same run: the
// same job's stdout followed with `tail -f` over an open SSH connection as the account.
const LINES = 20;
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const token = await issuer.token('demo');
const ssh = clusterAs(system, 'demo');
const command = `sleep 1; for i in $(seq 1 ${LINES}); do echo "t=$(date +%s%N)"; sleep 0.25; done`;

/** Latencies of the `t=<ns>` lines in `text`, as they arrive (appended to `into`). */
function stamp(text: string, into: number[]): void {
  const now = Date.now() * 1e6 + Number(process.hrtime.bigint() % 1_000_000n);
  for (const m of text.matchAll(/t=(\d+)/g)) into.push((now - Number(m[1])) / 1e6);
}

function followThroughGateway(jobId: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const got: number[] = [];
    const req = request(`${url}/v3/jobs/${jobId}/logs?follow=true`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) {
          if (line.startsWith('data: ') && line.includes('"text"')) {
            stamp(JSON.parse(line.slice(6)).text, got);
          }
        }
      });
      res.on('end', () => resolve(got));
    });
    req.on('error', reject);
    req.end();
  });
}

async function gateway(): Promise<number[]> {
  const res = await app.inject({
    method: 'POST',
    url: '/v3/jobs/submit',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'loglat', execSystemId: system.id, command },
  });
  return followThroughGateway(res.json().id);
}

async function raw(): Promise<number[]> {
  const dir = `/tmp/hpcgate-loglat-${process.pid}`;
  await ssh.exec(`mkdir -p ${dir} && : > ${dir}/out`);
  const id = (
    await ssh.exec(`sbatch --parsable -o ${dir}/out --wrap ${shellQuote(command)}`)
  ).stdout.trim();
  const got: number[] = [];
  const tail = await ssh.stream(`tail -f ${dir}/out & p=$!; cat >/dev/null; kill $p; wait $p`, {
    keepInput: true,
  });
  tail.stdout.on('data', (b: Buffer) => stamp(b.toString(), got));
  const deadline = Date.now() + 60_000;
  while (got.length < LINES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  tail.endInput();
  await tail.exit;
  await ssh.exec(`scancel ${id}; rm -rf ${dir}`);
  return got;
}

const rawMs = await raw();
const gwMs = await gateway();
console.log(`\nA line written by a job → at the client (${LINES} lines each, median)`);
console.log(row('raw tail -f over an open SSH connection', rawMs));
console.log(row('gateway: GET /v3/jobs/{id}/logs?follow=true (SSE)', gwMs, median(rawMs)));
ssh.close();
await app.close();
