import { describe, expect, it } from 'vitest';
import { REPLICA_ACCOUNT } from '../support/replicas/caller.js';
import type { Answer } from '../support/replicas/client.js';
import { notSubmittedOnce } from '../support/replicas/history.js';
import { allHandedToSlurm } from '../support/replicas/jobs.js';
import { gatewayIdOf, slurmJobsNamed, unmatchedJobs } from '../support/replicas/slurm-jobs.js';
import { replicaSuite } from '../support/replicas/suite.js';
import { few, mapLimit } from '../support/replicas/util.js';

// Issue 13: a submit retried on another replica with the same Idempotency-Key, while the first
// is still in flight, waits for the first and replays its answer. 200 keys, each sent to two
// replicas at once: 200 gateway jobs, 200 Slurm jobs, and each pair answered with one job.
const N = 200;
/** Pairs in flight at once: 40 requests on three gateways and two CPUs. */
const PAIRS_AT_ONCE = 20;

const suite = replicaSuite('idempotent-submit', 'idem');
const { env, prefix } = suite;

/** One submit of key `i` to one replica. */
const submit = (i: number, replica: number): Promise<Answer> =>
  suite.client.call('POST', '/v3/jobs/submit', {
    replica,
    headers: { 'idempotency-key': `${prefix}key-${i}` },
    body: { name: `${prefix}${i}`, execSystemId: env.cluster, command: 'sleep 1' },
  });

/** What is wrong with a pair's answers: both 201 with the same job, exactly one a replay. */
function pairProblem(i: number, answers: Answer[]): string | null {
  const seen = answers.map(
    (a) => `r${a.replica + 1}: ${a.status} ${a.body?.id ?? JSON.stringify(a.body?.error)}`,
  );
  const replayed = answers.filter((a) => a.headers.get('idempotent-replayed') === 'true');
  const ok =
    answers.every((a) => a.status === 201) &&
    new Set(answers.map((a) => a.body.id)).size === 1 &&
    replayed.length === 1;
  return ok ? null : `key ${i}: ${seen.join(', ')}, ${replayed.length} replayed`;
}

describe('an Idempotency-Key submit retried on another replica', () => {
  it('200 keys, each sent to two replicas at once: 200 jobs in the store and 200 in Slurm', async () => {
    const pairs = await mapLimit([...Array(N).keys()], PAIRS_AT_ONCE, (i) => {
      // The first to replica i mod 3 and its retry to the next one, sent while the first runs.
      const first = submit(i, i % suite.set.count);
      const retry = submit(i, (i + 1) % suite.set.count);
      return Promise.all([first, retry]);
    });
    const problems = pairs.map((answers, i) => pairProblem(i, answers)).filter(Boolean);
    expect(few(problems)).toEqual(few([]));
    const ids = new Set(pairs.map(([first]) => first!.body.id as string));
    expect(ids.size).toBe(N);

    // The store holds exactly those jobs, whichever replica lists them.
    const listed = await suite.client.listJobs({ name: `${prefix}*`, includeHidden: 'true' });
    expect(listed.map((j) => j.id).sort()).toEqual([...ids].sort());

    // Every job handed to Slurm, none left waiting for its sbatch and none failed…
    const jobs = await allHandedToSlurm(suite, 90_000);
    const failed = jobs.filter((j) => j.status === 'FAILED').map((j) => j.lastMessage);
    expect(few(failed)).toEqual(few([]));

    // …exactly once: one Slurm job per gateway job, the one whose id the gateway recorded.
    const slurm = await slurmJobsNamed(suite.ssh, REPLICA_ACCOUNT, prefix);
    expect(slurm).toHaveLength(N);
    expect(slurm.map(gatewayIdOf).sort()).toEqual([...ids].sort());
    expect(few(unmatchedJobs(jobs, slurm))).toEqual(few([]));
    // The gateway's own record agrees: each job's history says once that it reached Slurm.
    expect(few(await notSubmittedOnce(suite.client, [...ids]))).toEqual(few([]));
  }, 150_000);
});
