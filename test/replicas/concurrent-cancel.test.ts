import type { JobEvent } from '@hpcgate/sdk';
import { describe, expect, it } from 'vitest';
import { REPLICA_ACCOUNT } from '../support/replicas/caller.js';
import type { Answer } from '../support/replicas/client.js';
import { runningJobs } from '../support/replicas/jobs.js';
import { metricValue } from '../support/replicas/readiness.js';
import { gatewayIdOf, slurmJobsNamed } from '../support/replicas/slurm-jobs.js';
import { replicaSuite } from '../support/replicas/suite.js';
import { few } from '../support/replicas/util.js';

// Issue 13: a stop for one job and mode is sent once, whichever replicas get the requests. 20
// running jobs, five cancels each, all 100 sent at once across the three replicas.
const JOBS = 20;
const CANCELS_PER_JOB = 5;

const suite = replicaSuite('concurrent-cancel', 'cancel');
const { prefix } = suite;

/**
 * What is wrong with one cancel's answer: with `wait`, a replica answers 200 with the job once
 * it is CANCELLED, or 409 JOB_NOT_CANCELLABLE naming CANCELLED when it had already ended.
 */
function answerProblem(jobId: string, a: Answer): string | null {
  const cancelled = a.status === 200 && a.body.status === 'CANCELLED';
  const alreadyEnded =
    a.status === 409 &&
    a.body.error?.code === 'JOB_NOT_CANCELLABLE' &&
    a.body.error.details?.status === 'CANCELLED';
  return cancelled || alreadyEnded
    ? null
    : `${jobId} on r${a.replica + 1}: ${a.status} ${JSON.stringify(a.body?.status ?? a.body?.error)}`;
}

describe('concurrent cancels on every replica', () => {
  it('100 cancels of 20 jobs at once: one STOP_SIGNALLED each, all CANCELLED, 200 or 409 answers', async () => {
    const jobs = await runningJobs(suite, JOBS, 'sleep 300');

    // Job j's k-th cancel goes to replica (j + k) mod 3: every job gets cancels on every replica.
    const cancels = jobs.flatMap((jobId, j) =>
      [...Array(CANCELS_PER_JOB).keys()].map((k) => ({
        jobId,
        replica: (j + k) % suite.set.count,
      })),
    );
    const answers = await Promise.all(
      cancels.map(({ jobId, replica }) =>
        suite.client.call('POST', `/v3/jobs/${jobId}/cancel`, { replica, body: { wait: 30 } }),
      ),
    );
    const problems = answers.map((a, n) => answerProblem(cancels[n]!.jobId, a)).filter(Boolean);
    expect(few(problems)).toEqual(few([]));

    // Each job was signalled once, and ended CANCELLED, in the store and in Slurm.
    const histories = await Promise.all(
      jobs.map(async (jobId) => {
        const h = await suite.client.callRetrying('GET', `/v3/jobs/${jobId}/history`);
        return { jobId, events: h.body.events as JobEvent[] };
      }),
    );
    const signalled = histories.map(({ jobId, events }) => ({
      jobId,
      signals: events.filter((e) => e.event === 'STOP_SIGNALLED').length,
    }));
    expect(few(signalled.filter((s) => s.signals !== 1))).toEqual(few([]));
    const listed = await suite.client.listJobs({ name: `${prefix}*` });
    expect(listed.map((j) => j.status)).toEqual(Array(JOBS).fill('CANCELLED'));
    const slurm = await slurmJobsNamed(suite.ssh, REPLICA_ACCOUNT, prefix);
    expect(slurm.map(gatewayIdOf).sort()).toEqual([...jobs].sort());
    expect(slurm.map((s) => s.state)).toEqual(Array(JOBS).fill('CANCELLED'));
    // Every replica counts the same shared store (this file's schema holds these jobs only).
    for (let i = 0; i < suite.set.count; i++) {
      const metrics = await suite.set.metrics(i);
      expect(metricValue(metrics, 'hpcgate_jobs', { status: 'CANCELLED' }), suite.set.ids[i]).toBe(
        JOBS,
      );
      expect(metricValue(metrics, 'hpcgate_jobs', { status: 'RUNNING' }), suite.set.ids[i]).toBe(0);
    }
  }, 120_000);
});
