import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { webhooksConfigSchema } from '../src/config/schema.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median, row } from './stats.js';

// Job end → the event stream and a webhook say so. The job's last act writes the time (the sandbox is this machine:
// one clock); a receiver on loopback notes when the FINISHED delivery arrives. In the same run,
// for the same jobs: the job's event stream (GET /v3/jobs/{id}/events) saying FINISHED, and the
// baseline, the job watched with `squeue` polled over an open connection as the account.
const N = 10;
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp({
  ...testConfig([system], issuer.jwksFile),
  // The receiver is on loopback.
  webhooks: webhooksConfigSchema.parse({ allowPrivateAddresses: true }),
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const token = await issuer.token('demo');
const ssh = clusterAs(system, 'demo');
const script = (marker: string) => `#!/bin/bash\nsleep 2\ndate +%s%N > ${marker}\n`;

/** When each job's FINISHED delivery arrived (ns), by job id. */
const delivered = new Map<string, number>();
const waiting = new Map<string, (ns: number) => void>();
const receiver = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => {
    body += c;
  });
  req.on('end', () => {
    const at = Date.now() * 1e6;
    res.end('ok');
    const { job } = JSON.parse(body) as { job: { id: string } };
    delivered.set(job.id, at);
    waiting.get(job.id)?.(at);
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
const sub = await app.inject({
  method: 'POST',
  url: '/v3/jobs/subscriptions',
  headers: { authorization: `Bearer ${token}` },
  payload: { url: hook, events: ['STATUS_CHANGED'], selector: { status: ['FINISHED'] } },
});
if (sub.statusCode !== 201) throw new Error(`subscribe answered ${sub.statusCode}: ${sub.body}`);

function webhookFor(jobId: string): Promise<number> {
  const at = delivered.get(jobId);
  if (at !== undefined) return Promise.resolve(at);
  return new Promise((resolve) => waiting.set(jobId, resolve));
}

/** Resolves with the time the stream delivered an event with `status`. */
function streamUntil(jobId: string, status: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v3/jobs/${jobId}/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    });
    req.on('response', (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        if (buf.includes(`"status":"${status}"`)) {
          resolve(Date.now() * 1e6);
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

async function endedAt(marker: string): Promise<number> {
  for (;;) {
    const r = await ssh.exec(`cat ${marker} 2>/dev/null`);
    if (r.stdout.trim()) return Number(r.stdout.trim());
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One job through the gateway: [event stream, webhook], each from the job's last act. */
async function gateway(i: number): Promise<[number, number]> {
  const marker = `/tmp/hpcgate-whlat-gw-${process.pid}-${i}`;
  const res = await app.inject({
    method: 'POST',
    url: '/v3/jobs/submit',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'whlat', execSystemId: system.id, script: script(marker) },
  });
  const jobId = res.json().id as string;
  const [seen, hooked] = await Promise.all([streamUntil(jobId, 'FINISHED'), webhookFor(jobId)]);
  const ended = await endedAt(marker);
  await ssh.exec(`rm -f ${marker}`);
  return [(seen - ended) / 1e6, (hooked - ended) / 1e6];
}

async function raw(i: number): Promise<number> {
  const marker = `/tmp/hpcgate-whlat-raw-${process.pid}-${i}`;
  const id = (
    await ssh.exec(
      `sbatch --parsable -o /dev/null --wrap ${JSON.stringify(script(marker).split('\n').slice(1).join('; '))}`,
    )
  ).stdout.trim();
  while ((await ssh.exec(`squeue -h -t all -j ${id} -o %T`)).stdout.trim() !== 'COMPLETED') {}
  const seen = Date.now() * 1e6;
  const ended = await endedAt(marker);
  await ssh.exec(`rm -f ${marker}`);
  return (seen - ended) / 1e6;
}

const rawMs: number[] = [];
const streamMs: number[] = [];
const hookMs: number[] = [];
for (let i = 0; i < N; i++) {
  rawMs.push(await raw(i));
  const [s, h] = await gateway(i);
  streamMs.push(s);
  hookMs.push(h);
}
const base = median(rawMs);
console.log(`\nJob end → told, from the job's last act (${N} runs each)`);
console.log(row('raw squeue polled until COMPLETED', rawMs));
console.log(row('gateway: the job event stream says FINISHED', streamMs, base));
console.log(row('gateway: the FINISHED webhook reaches a receiver', hookMs, base));
const gap = median(hookMs.map((h, i) => h - streamMs[i]!));
console.log(
  `${'the webhook after the stream, same job'.padEnd(58)} median ${gap.toFixed(1).padStart(7)} ms`,
);
ssh.close();
await app.close();
receiver.close();
