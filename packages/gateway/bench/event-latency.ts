import { request } from 'node:http';
import { buildApp } from '../src/app.js';
import { clusterAs, sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import { createTestIssuer } from '../test/helpers/tokens.js';
import { median, row } from './stats.js';

// Job end → the event stream says so. The job's last act writes the time (the sandbox is this
// machine: one clock); the gateway's `GET /v3/jobs/{id}/events` stream delivers FINISHED. Baseline,
// same run: the same job watched with `squeue` polled over an open connection as the account.
const N = 10;
const issuer = await createTestIssuer();
const system = sandboxSystem();
const app = await buildApp(testConfig([system], issuer.jwksFile));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
const token = await issuer.token('demo');
const ssh = clusterAs(system, 'demo');
const script = (marker: string) => `#!/bin/bash\nsleep 2\ndate +%s%N > ${marker}\n`;

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

async function gateway(i: number): Promise<number> {
  const marker = `/tmp/hpcgate-evlat-gw-${process.pid}-${i}`;
  const res = await app.inject({
    method: 'POST',
    url: '/v3/jobs/submit',
    headers: { authorization: `Bearer ${token}` },
    payload: { name: 'evlat', execSystemId: system.id, script: script(marker) },
  });
  const seen = await streamUntil(res.json().id, 'FINISHED');
  const ended = await endedAt(marker);
  await ssh.exec(`rm -f ${marker}`);
  return (seen - ended) / 1e6;
}

async function raw(i: number): Promise<number> {
  const marker = `/tmp/hpcgate-evlat-raw-${process.pid}-${i}`;
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
const gwMs: number[] = [];
for (let i = 0; i < N; i++) {
  rawMs.push(await raw(i));
  gwMs.push(await gateway(i));
}
console.log(`\nJob end → seen, from the job's last act (${N} runs each)`);
console.log(row('raw squeue polled until COMPLETED', rawMs));
console.log(row('gateway: the job event stream says FINISHED', gwMs, median(rawMs)));
ssh.close();
await app.close();
