import { describe, expect, it } from 'vitest';
import { REPLICA_ACCOUNT } from '../support/replicas/caller.js';
import { notSubmittedOnce } from '../support/replicas/history.js';
import { allHandedToSlurm } from '../support/replicas/jobs.js';
import { gatewayIdOf, slurmJobsNamed, unmatchedJobs } from '../support/replicas/slurm-jobs.js';
import { replicaSuite } from '../support/replicas/suite.js';
import { few, mapLimit } from '../support/replicas/util.js';

// Issue 13: a replica killed (-9) in the middle of a burst of submits. Clients retry what failed
// on another replica with the same Idempotency-Key. After recovery: one gateway job per key, one
// Slurm job per gateway job, no Slurm job of the test without its gateway job, and the jobs the
// dead replica left in PROCESSING_INPUTS submitted by a survivor.
const N = 60;
const AT_ONCE = 15;
/** Killed past a third of the burst (see `maybeKill`). */
const KILL_AFTER = N / 3;
const VICTIM = 1;
/** A survivor, asked whether a job the victim accepted still waits for its sbatch. */
const WITNESS = 0;

const suite = replicaSuite('submit-crash', 'crash');
const { env, prefix } = suite;

describe('a replica killed during a burst of submits', () => {
  it('no duplicate, no orphan; its PROCESSING_INPUTS jobs are submitted by a survivor', async ({
    annotate,
  }) => {
    let answered = 0;
    let killed: Promise<void> | null = null;
    let strandedAtKill: string | null = null;
    // The victim dies mid-request and mid-submission: once it has submits in flight and a job
    // it accepted (`jobId`) still waits for its sbatch.
    const maybeKill = async (jobId: string) => {
      if (killed || answered < KILL_AFTER || suite.client.inFlight(VICTIM) === 0) return;
      const job = await suite.client.call('GET', `/v3/jobs/${jobId}`, { replica: WITNESS });
      if (
        killed ||
        job.body.status !== 'PROCESSING_INPUTS' ||
        suite.client.inFlight(VICTIM) === 0
      ) {
        return;
      }
      strandedAtKill = jobId;
      killed = suite.set.kill(VICTIM);
    };
    const answers = await mapLimit([...Array(N).keys()], AT_ONCE, async (i) => {
      const a = await suite.client.callRetrying('POST', '/v3/jobs/submit', {
        headers: { 'idempotency-key': `${prefix}key-${i}` },
        body: { name: `${prefix}${i}`, execSystemId: env.cluster, command: 'sleep 1' },
        attempts: 20,
      });
      answered++;
      if (a.status === 201 && a.tried.at(-1) === VICTIM) await maybeKill(a.body.id);
      return a;
    });
    expect(killed, 'the victim never had a submit in flight and a job not yet submitted').not.toBe(
      null,
    );
    await killed;
    const retried = answers.filter((a) => a.tried.length > 1 && a.tried[0] === VICTIM);
    await annotate(
      `killed r${VICTIM + 1} after ${KILL_AFTER}+ answers with job ${strandedAtKill} not yet ` +
        `submitted; ${retried.length} calls it did not answer were retried on survivors`,
    );
    expect(retried.length).toBeGreaterThan(0);

    const refused = answers.filter((a) => a.status !== 201);
    expect(few(refused.map((a) => `${a.status} ${JSON.stringify(a.body)}`))).toEqual(few([]));
    const ids = new Set(answers.map((a) => a.body.id as string));
    expect(ids.size).toBe(N);

    // Whatever the victim left half done, the survivors finish: nothing waits for its sbatch.
    const jobs = await allHandedToSlurm(suite, 60_000);
    // One gateway job per key: the store holds exactly the jobs the answers named.
    expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
    const failed = jobs.filter((j) => j.status === 'FAILED').map((j) => j.lastMessage);
    expect(few(failed)).toEqual(few([]));

    // No orphan (a Slurm job of the test's without its gateway job), no duplicate (a gateway
    // job tagged on two Slurm jobs), and each job's recorded id is its one Slurm job.
    const slurm = await slurmJobsNamed(suite.ssh, REPLICA_ACCOUNT, prefix);
    const orphans = slurm.filter((s) => !ids.has(gatewayIdOf(s) ?? ''));
    expect(few(orphans)).toEqual(few([]));
    expect(few(unmatchedJobs(jobs, slurm))).toEqual(few([]));
    // The gateway's own record agrees: each job's history says once that it reached Slurm.
    expect(few(await notSubmittedOnce(suite.client, [...ids]))).toEqual(few([]));
    expect(slurm).toHaveLength(N);

    await suite.set.restart(VICTIM);
  }, 150_000);
});
