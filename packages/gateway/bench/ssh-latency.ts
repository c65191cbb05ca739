import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SshConnection } from '../src/scheduler/slurm/ssh-connection.js';
import { clusterAs, sandboxSystem } from '../test/helpers/sandbox-config.js';
import { clusterFromEnv, median, row, timeEach } from './stats.js';

// `squeue` three ways, as the user account alice: the OpenSSH CLI (a new connection each time,
// the baseline), ssh2 with a new connection each time, and ssh2 exec channels on one open
// connection (what the gateway does, one connection per account). Host keys are checked in all
// three: the CLI against the sandbox's known_hosts, ssh2 against the pinned fingerprints.
const N = 25;
const ACCOUNT = 'alice';
const c = clusterFromEnv(ACCOUNT);
const system = sandboxSystem();
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
    `UserKnownHostsFile=${c.knownHostsFile}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    `${c.user}@${c.host}`,
    squeue,
  ]),
);
/** Runs a command and fails the bench unless it exits 0 (a refused login must not be timed). */
async function ok(conn: SshConnection, command: string): Promise<void> {
  const r = await conn.exec(command);
  if (r.code !== 0) throw new Error(`${command} exited ${r.code}: ${r.stderr.trim()}`);
}
const fresh = await timeEach(N, async () => {
  const conn = clusterAs(system, ACCOUNT);
  try {
    await ok(conn, squeue);
  } finally {
    conn.close();
  }
});
const pooled = clusterAs(system, ACCOUNT);
await ok(pooled, 'true');
const open = await timeEach(N, () => ok(pooled, squeue));
const trivial = await timeEach(N, () => ok(pooled, 'true'));
pooled.close();

const base = median(cli);
console.log(`\nSSH latency to ${c.user}@${c.host}:${c.port} (${N} runs each)`);
console.log(row('ssh CLI, new connection per squeue', cli));
console.log(row('ssh2, new connection per squeue', fresh, base));
console.log(row('ssh2, exec channel on an open connection: squeue', open, base));
console.log(row('ssh2, exec channel on an open connection: true', trivial, base));
