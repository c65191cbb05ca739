import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Hpcgate } from '@hpcgate/sdk';
import { readClusterEnv } from '../support/cluster-env.js';
import { gatewayConfigFor, startGateway } from '../support/gateway.js';
import { createIssuer } from '../support/tokens.js';

// Cold start of `hpcgate jobs get <id>` (a new process each time), against two baselines measured
// in the same run: a bare `node -e 0`, and a new node process doing the same GET with fetch.
const N = 20;
const bin =
  process.env.HPCGATE_CLI_BIN ??
  join(dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');
const env = readClusterEnv();
const issuer = await createIssuer();
const gateway = await startGateway(gatewayConfigFor(env, issuer.jwksFile));
// readme-reader runs as the sandbox's demo account (E2E_ACCOUNTS): a caller without one gets 403.
const token = await issuer.token('readme-reader');
const job = await new Hpcgate({ baseUrl: gateway.url, token }).jobs.submitJob({
  name: 'bench',
  execSystemId: env.cluster,
  command: 'true',
});
const childEnv = { PATH: process.env.PATH, HPCGATE_URL: gateway.url, HPCGATE_TOKEN: token };

// Asynchronous: the gateway answering the children runs in this very process.
const run = promisify(execFile);
async function time(args: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    await run(process.execPath, args, { env: childEnv });
    out.push(performance.now() - t);
  }
  return out;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
};

const bare = await time(['-e', '0']);
const fetchOnly = await time([
  '-e',
  `fetch(process.env.HPCGATE_URL + '/v3/jobs/${job.id}', { headers: { authorization: 'Bearer ' + process.env.HPCGATE_TOKEN } }).then((r) => r.text())`,
]);
const cli = await time([bin, 'jobs', 'get', job.id]);
const base = median(bare);
const row = (label: string, xs: number[]) =>
  `${label.padEnd(44)} median ${median(xs).toFixed(1).padStart(6)} ms  n=${xs.length}  ×${(median(xs) / base).toFixed(2)} of bare node`;
console.log(`\nCLI cold start (${N} runs each)`);
console.log(row('node -e 0', bare));
console.log(row('node + fetch GET /v3/jobs/{id}', fetchOnly));
console.log(row('hpcgate jobs get <id>', cli));
await gateway.close();
