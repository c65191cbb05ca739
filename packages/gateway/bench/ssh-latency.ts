import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseConfig } from '../src/config/load.js';
import { SshConnection } from '../src/scheduler/slurm/ssh-connection.js';
import { clusterFromEnv, median, row, timeEach } from './stats.js';

// `squeue` three ways: the OpenSSH CLI (a new connection each time, the baseline), ssh2 with a new
// connection each time, and ssh2 exec channels on one open connection (what the gateway does).
const N = 25;
const c = clusterFromEnv();
const system = parseConfig({
  auth: { issuer: 'x', audience: 'y', jwksFile: '/unused' },
  systems: [{ id: 'bench', ...c }],
}).systems[0]!;
const run = promisify(execFile);
const squeue = 'squeue -h --me -o %i';

const cli = await timeEach(N, () =>
  run('ssh', [
    '-q',
    '-i',
    c.privateKeyPath,
    '-p',
    String(c.port),
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    `${c.user}@${c.host}`,
    squeue,
  ]),
);
const fresh = await timeEach(N, async () => {
  const conn = new SshConnection(system);
  await conn.exec(squeue);
  conn.close();
});
const pooled = new SshConnection(system);
await pooled.exec('true');
const open = await timeEach(N, () => pooled.exec(squeue));
const trivial = await timeEach(N, () => pooled.exec('true'));
pooled.close();

const base = median(cli);
console.log(`\nSSH latency to ${c.user}@${c.host}:${c.port} (${N} runs each)`);
console.log(row('ssh CLI, new connection per squeue', cli));
console.log(row('ssh2, new connection per squeue', fresh, base));
console.log(row('ssh2, exec channel on an open connection: squeue', open, base));
console.log(row('ssh2, exec channel on an open connection: true', trivial, base));
