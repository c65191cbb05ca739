import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshConnection } from '../../src/scheduler/slurm/ssh-connection.js';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// On the sandbox: an sbatch that takes longer than the gateway waits (as a busy controller makes
// it) is stopped on the cluster before the gateway gives up, so it cannot queue the job later;
// the gateway runs it again only after the listing showed no job with its tag, and Slurm ends up
// with exactly one job carrying it.
//
// Only the account `demo` (which no other test uses) gets the slow sbatch: a wrapper earlier on
// its PATH, set at the top of its ~/.bashrc (before the line that returns early for the
// non-interactive shells that ssh commands run in). The first sbatch of the test sleeps 20 s,
// then execs the real one; later ones are not slowed. slurmctld itself is never touched.
const COMMAND_TIMEOUT_MS = 4_000;
const SLOW_S = 20;
const MARK = '# hpcgate-test-slow-sbatch';
const BIN = '$HOME/.hpcgate-test-bin';

const uninstall = `sed -i '/${MARK}$/d' ~/.bashrc; rm -rf ${BIN}`;
const install = [
  uninstall,
  `mkdir -p ${BIN}`,
  `printf '%s\\n' '#!/bin/sh' 'if mkdir "$HOME/.hpcgate-test-bin/slowed" 2>/dev/null; then sleep ${SLOW_S}; fi' 'exec /usr/bin/sbatch "$@"' > ${BIN}/sbatch`,
  `chmod 755 ${BIN}/sbatch`,
  `sed -i '1i export PATH="$HOME/.hpcgate-test-bin:$PATH" ${MARK}' ~/.bashrc`,
].join(' && ');

let h: Harness;
let demo: SshConnection;

beforeAll(async () => {
  h = await startHarness({ commandTimeoutMs: COMMAND_TIMEOUT_MS });
  demo = h.as('demo');
  expect((await demo.exec(install)).code).toBe(0);
  // A new command, a new shell: it reads the new ~/.bashrc.
  const r = await demo.exec('command -v sbatch');
  expect(r.stdout.trim()).toMatch(/\.hpcgate-test-bin\/sbatch$/);
});

afterAll(async () => {
  await demo?.exec(`${uninstall}; scancel -u "$USER" --name=slow-sbatch`);
  await h?.close();
});

/** The Slurm jobs (any state the controller still lists) carrying this gateway job's tag. */
async function carrying(jobId: string): Promise<string[]> {
  const r = await h.cluster.exec(`squeue -h --states=all -u demo -o '%i %k'`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, tag]) => tag === `hpcgate:${jobId}`)
    .map(([id]) => id!);
}

describe('an sbatch slower than the gateway waits', () => {
  it('is stopped on the cluster, and the job lands in Slurm exactly once', async () => {
    const started = Date.now();
    const job = await h.submit('demo', { name: 'slow-sbatch', command: 'sleep 60' });
    // The first run: stopped by the remote timeout before the gateway's own one.
    const unknown = await h.waitFor(
      'demo',
      job.id,
      (j) => /outcome unknown/.test(j.lastMessage ?? ''),
      COMMAND_TIMEOUT_MS + 5_000,
    );
    expect(unknown.status).toBe('PROCESSING_INPUTS');
    expect(unknown.lastMessage).toMatch(
      /sbatch did not answer within 4 s on sandbox and was stopped/,
    );
    // Nothing of it is left running there.
    const left = await demo.exec(`pgrep -u "$USER" -f '^sleep ${SLOW_S}$' || true`);
    expect(left.stdout.trim()).toBe('');
    // Run again once it had time to show up (and did not): queued by Slurm.
    const queued = await h.waitFor('demo', job.id, hasStatus('PENDING', 'RUNNING'), 30_000);
    expect(queued.remoteJobId).toMatch(/^\d+$/);
    // Past the time the slow sbatch would have queued its copy, had it been left running.
    const wait = started + (SLOW_S + 5) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    expect(await carrying(job.id)).toEqual([queued.remoteJobId]);
  }, 60_000);
});
