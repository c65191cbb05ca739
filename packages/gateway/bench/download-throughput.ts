import { spawn } from 'node:child_process';
import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median } from './stats.js';

// A 200 MB output file through `GET /v3/jobs/{id}/output/download/{path}` (a real HTTP client on
// loopback, in its own process), against `cat` of the same file over an open SSH connection as the same account, in
// the same run. Random bytes: nothing on the way compresses them.
const MB = 200;
const RUNS = 3;
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const token = await issuer.token('demo');
const ssh = clusterAs(system, 'demo');

const res = await app.inject({
  method: 'POST',
  url: '/v3/jobs/submit',
  headers: { authorization: `Bearer ${token}` },
  payload: {
    name: 'big-output',
    execSystemId: system.id,
    command: `head -c ${MB}M /dev/urandom > big.bin`,
  },
});
const jobId = res.json().id as string;
for (;;) {
  const job = (
    await app.inject({ url: `/v3/jobs/${jobId}`, headers: { authorization: `Bearer ${token}` } })
  ).json();
  if (job.status === 'FINISHED') break;
  if (['FAILED', 'CANCELLED'].includes(job.status)) throw new Error(`the job is ${job.status}`);
  await new Promise((r) => setTimeout(r, 200));
}

/** The HTTP client runs in its own process, as a user's would: it does not share the gateway's CPU. */
const CLIENT = `
const t = performance.now(); let bytes = 0;
require('node:http').get(process.argv[1], { headers: { authorization: process.argv[2] } }, (r) => {
  r.on('data', (b) => { bytes += b.length; });
  r.on('end', () => console.log(JSON.stringify({ ms: performance.now() - t, bytes })));
});`;

async function viaGateway(): Promise<{ ms: number; bytes: number }> {
  const child = spawn(
    process.execPath,
    ['-e', CLIENT, `${url}/v3/jobs/${jobId}/output/download/big.bin`, `Bearer ${token}`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  await new Promise((resolve) => child.on('exit', resolve));
  return JSON.parse(out) as { ms: number; bytes: number };
}

async function viaSsh(): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  let bytes = 0;
  const p = await ssh.stream(`cat "$HOME/hpcgate/jobs/${jobId}/big.bin"`);
  p.stdout.on('data', (b: Buffer) => {
    bytes += b.length;
  });
  await p.exit;
  return { ms: performance.now() - t, bytes };
}

const mbps = ({ ms, bytes }: { ms: number; bytes: number }) => bytes / 1e6 / (ms / 1000);
const raw: number[] = [];
const gw: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const r = await viaSsh();
  const g = await viaGateway();
  if (g.bytes !== r.bytes || r.bytes !== MB * 1024 * 1024) {
    throw new Error(`sizes differ: ssh ${r.bytes}, gateway ${g.bytes}`);
  }
  raw.push(mbps(r));
  gw.push(mbps(g));
}
const m = (xs: number[]) => median(xs).toFixed(0).padStart(5);
console.log(`\nDownload of a ${MB} MiB output file (median of ${RUNS})`);
console.log(`${'raw cat over an open SSH connection'.padEnd(58)} ${m(raw)} MB/s  (baseline)`);
console.log(
  `${'gateway: GET /v3/jobs/{id}/output/download/big.bin'.padEnd(58)} ${m(gw)} MB/s  ×${(median(gw) / median(raw)).toFixed(2)} of baseline`,
);
await ssh.exec(`rm -rf "$HOME/hpcgate/jobs/${jobId}"`);
ssh.close();
await app.close();
