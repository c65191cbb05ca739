import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// kill -9 of slurmctld right after jobs start: the controller comes back from its last saved
// state, may have forgotten the jobs, and then gives their ids to the next submissions. No job
// but the one asked for may ever be signalled, and every gateway job must end with a true,
// clearly worded outcome. Runs alone (`npm run test:chaos`), after the rest of the suite: it
// takes the controller away from everyone for a few seconds. Needs root (it restarts the daemon).
const SANDBOX = fileURLToPath(new URL('../../../../scripts/sandbox.sh', import.meta.url));
const STATE = process.env.HPCGATE_SANDBOX_DIR ?? '/var/lib/hpcgate-sandbox';
const N = 5;
let h: Harness;
const others: string[] = [];

beforeAll(async () => {
  if (process.getuid?.() !== 0) {
    throw new Error('the controller-crash test kills and restarts slurmctld: run it as root');
  }
  h = await startHarness({ lostJobAfterMs: 5_000, pollFastMs: 200, pollIdleMs: 500 });
});
afterAll(async () => {
  if (others.length) await h.as('carol').exec(`scancel ${others.join(' ')}`);
  await h?.close();
});

function crashController(): void {
  const pid = Number(readFileSync(`${STATE}/slurmctld/slurmctld.pid`, 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  // Brings slurmctld back (and checks a job round trip); idempotent for the other daemons.
  execFileSync('bash', [SANDBOX, 'up'], { stdio: 'ignore', timeout: 120_000 });
}

describe('slurmctld killed right after jobs start', () => {
  it('signals only the jobs asked for, and ends every gateway job truthfully', async () => {
    const tag = randomUUID().slice(0, 8);
    const submitted = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        h.submit('carol', { name: `crash-${tag}-${i}`, command: 'sleep 300' }),
      ),
    );
    const running = await Promise.all(
      submitted.map((j) => h.waitFor('carol', j.id, hasStatus('RUNNING'), 60_000)),
    );
    const oldIds = running.map((j) => j.remoteJobId!);
    crashController();

    // Other work arrives after the restart, and may be given the old ids.
    for (let i = 0; i < N; i++) {
      const r = await h
        .as('carol')
        .exec(
          `sbatch --parsable --job-name=after-${tag} --comment=hpcgate:${randomUUID()} --wrap 'sleep 120'`,
        );
      others.push(r.stdout.trim());
    }
    const reused = others.filter((id) => oldIds.includes(id));
    console.info(
      `controller crash: ${reused.length} of ${N} old Slurm ids reused (${reused.join(',')})`,
    );

    // The user stops every old job.
    for (const job of running) {
      const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`, { wait: 10 });
      expect([200, 202, 409, 502]).toContain(res.status);
    }
    // Whatever happened, the new jobs are untouched.
    const states = await h.cluster.exec(`squeue -h -t all -j ${others.join(',')} -o '%i|%T'`);
    for (const id of others) {
      expect(states.stdout, `job ${id}`).toMatch(new RegExp(`^${id}\\|(RUNNING|PENDING)$`, 'm'));
    }
    // And every old job ends with a true outcome: cancelled as asked where Slurm still knew it,
    // lost (saying why) where Slurm forgot it.
    const ended = await Promise.all(
      running.map((j) =>
        h.waitFor('carol', j.id, hasStatus('CANCELLED', 'FAILED', 'FINISHED'), 60_000),
      ),
    );
    console.info(
      ended
        .map(
          (j) =>
            `${j.remoteJobId} ${j.status} ${j.condition} ${j.remoteState} ${j.exitCode}:${j.exitSignal} stop=${j.stopRequest?.outcome} ${j.lastMessage}`,
        )
        .join('\n'),
    );
    for (const job of ended) {
      if (reused.includes(job.remoteJobId!)) {
        expect(job).toMatchObject({ status: 'FAILED', condition: 'REMOTE_JOB_LOST' });
        expect(job.lastMessage).toMatch(/is now another job|no longer knows/);
      } else {
        expect([
          'CANCELLED_BY_USER',
          'REMOTE_JOB_LOST',
          'SCHEDULER_CANCELLED',
          'SCHEDULER_NODE_FAIL',
          'JOB_KILLED_BY_SIGNAL',
        ]).toContain(job.condition);
      }
    }
  }, 240_000);
});
