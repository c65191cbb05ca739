import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitFailure } from '../../src/jobs/submitter.js';
import { SlurmScheduler } from '../../src/scheduler/slurm/slurm-scheduler.js';
import type { SshConnection } from '../../src/scheduler/slurm/ssh-connection.js';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';
import { sampleSpec } from '../helpers/sample-spec.js';
import { sandboxSystem } from '../helpers/sandbox-config.js';

// On the sandbox: an sbatch that takes longer than the gateway waits (as a busy controller makes
// it) is stopped on the cluster before the gateway gives up, so it cannot queue the job later;
// the gateway runs it again only after the listing showed no job with its tag, and Slurm ends up
// with exactly one job carrying it.
//
// Only the account `demo` (which no other test uses) gets the slow sbatch: a wrapper earlier on
// its PATH, set at the top of its ~/.bashrc (before the line that returns early for the
// non-interactive shells that ssh commands run in). The first sbatch of a job named slow-sbatch
// sleeps 20 s (slow-batch: 6 s), then execs the real one; later ones and other names are not
// slowed. slurmctld itself is never touched.
const COMMAND_TIMEOUT_MS = 4_000;
const SLOW_S = 20;
const BATCH_SLOW_S = 6;
const MARK = '# hpcgate-test-slow-sbatch';
const BIN = '$HOME/.hpcgate-test-bin';

const uninstall = `sed -i '/${MARK}$/d' ~/.bashrc; rm -rf ${BIN}`;
const install = [
  uninstall,
  `mkdir -p ${BIN}`,
  `printf '%s\\n' '#!/bin/sh' 's=' 'for a; do case "$a" in --job-name=slow-sbatch) s=${SLOW_S};; --job-name=slow-batch) s=${BATCH_SLOW_S};; esac; done' 'if [ -n "$s" ] && mkdir "$HOME/.hpcgate-test-bin/slowed-$s" 2>/dev/null; then sleep "$s"; fi' 'exec /usr/bin/sbatch "$@"' > ${BIN}/sbatch`,
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

describe('an sbatch slower than the gateway waits, among submits sent together', () => {
  it('stops the batch there: the cut job is unanswered, the next one not sent, none lands late', async () => {
    // One batch at a time: the first submit goes alone, the other three together.
    const scheduler = new SlurmScheduler(
      sandboxSystem({ commandTimeoutMs: COMMAND_TIMEOUT_MS, maxChannels: 2 }),
    );
    const started = Date.now();
    const queued: string[] = [];
    const specs = ['quick-0', 'quick-1', 'slow-batch', 'quick-3'].map((name) =>
      sampleSpec({ gatewayJobId: randomUUID(), name, command: 'sleep 60' }),
    );
    try {
      const outcomes = await Promise.all(
        specs.map((s) => scheduler.submit(s, 'demo').catch((e: unknown) => e)),
      );
      queued.push(...outcomes.filter((o): o is string => typeof o === 'string'));
      expect(outcomes[0]).toMatch(/^\d+$/);
      expect(outcomes[1]).toMatch(/^\d+$/);
      expect(submitFailure(outcomes[2])).toBe('unanswered');
      expect((outcomes[2] as Error).message).toMatch(/sbatch did not answer within 4 s on sandbox/);
      expect(submitFailure(outcomes[3])).toBe('passing');
      expect((outcomes[3] as Error).message).toMatch(/^not sent: /);
      // Nothing of the batch is left running there.
      const left = await demo.exec(`pgrep -u "$USER" -f '^sleep ${BATCH_SLOW_S}$' || true`);
      expect(left.stdout.trim()).toBe('');
      // Past the time the slowed sbatch would have queued its job: only the answered ones landed.
      const wait = started + (BATCH_SLOW_S + 3) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const landed = await Promise.all(specs.map((s) => carrying(s.gatewayJobId)));
      expect(landed).toEqual([[outcomes[0]], [outcomes[1]], [], []]);
    } finally {
      scheduler.close();
      // By id: the copies that may have landed late are asserted away above.
      if (queued.length > 0) await demo.exec(`scancel ${queued.join(' ')}`);
    }
  }, 30_000);
});
