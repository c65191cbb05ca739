import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { inTransaction } from '../../store/postgres/pg-tx.js';
import { InProcessJobLocks, type JobActivity, type JobLocks } from '../job-locks.js';
import { CLAIM_IS_VOID } from './liveness.js';

/** Waits between tries for a job another replica holds: short at first (stops are quick). */
const BACKOFF_MS = [10, 20, 40, 80, 160, 250];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Job locks across replicas: this process's own lock first (its twins share one run, as in one
 * process), then a claim row in `job_claims`, taken for all of a hold's jobs or none (no two
 * replicas can each hold half of the other's jobs and wait for ever). A claim counts while its
 * replica's heartbeat does: a replica killed with claims leaves them void after the lease time.
 */
export class PgJobLocks implements JobLocks {
  private readonly local = new InProcessJobLocks();

  constructor(
    private readonly pool: pg.Pool,
    private readonly replicaId: string,
    private readonly ttlMs: number,
    private readonly log: FastifyBaseLogger,
  ) {}

  run<T>(jobId: string, activity: JobActivity, share: string, fn: () => Promise<T>): Promise<T> {
    return this.local.run(jobId, activity, share, async () => {
      await this.claim([jobId], activity);
      try {
        return await fn();
      } finally {
        await this.unclaim([jobId]);
      }
    });
  }

  async hold(jobIds: readonly string[], activity: JobActivity): Promise<() => void> {
    const releaseLocal = await this.local.hold(jobIds, activity);
    try {
      await this.claim(jobIds, activity);
    } catch (err) {
      releaseLocal();
      throw err;
    }
    return () => {
      void this.unclaim(jobIds).finally(releaseLocal);
    };
  }

  holder(jobId: string): JobActivity | null {
    return this.local.holder(jobId);
  }

  async holders(jobIds: readonly string[]): Promise<Map<string, JobActivity>> {
    const held = await this.local.holders(jobIds);
    if (jobIds.length === 0) return held;
    const { rows } = await this.pool.query<{ job_id: string; activity: JobActivity }>(
      `SELECT job_id, activity FROM job_claims
       WHERE job_id = ANY($1::text[]) AND NOT ${CLAIM_IS_VOID('job_claims', '$2::interval', '$3')}`,
      [jobIds, `${this.ttlMs} milliseconds`, this.replicaId],
    );
    for (const r of rows) if (!held.has(r.job_id)) held.set(r.job_id, r.activity);
    return held;
  }

  settle(): Promise<void> {
    return this.local.settle();
  }

  /** Claims every job (in id order, so that concurrent claims never deadlock), or waits and retries. */
  private async claim(jobIds: readonly string[], activity: JobActivity): Promise<void> {
    const ids = [...new Set(jobIds)].sort();
    for (let attempt = 0; ; attempt++) {
      const got = await inTransaction(this.pool, async (c) => {
        const { rowCount } = await c.query(
          `INSERT INTO job_claims (job_id, activity, replica, since)
           SELECT id, $2, $3, now() FROM unnest($1::text[]) AS id ORDER BY id
           ON CONFLICT (job_id) DO UPDATE
             SET activity = EXCLUDED.activity, replica = EXCLUDED.replica, since = EXCLUDED.since
             WHERE ${CLAIM_IS_VOID('job_claims', '$4::interval', '$3')}`,
          [ids, activity, this.replicaId, `${this.ttlMs} milliseconds`],
        );
        if (rowCount === ids.length) return true;
        // Some are another live replica's: take none of them (the transaction is undone).
        throw new ClaimRefused();
      }).catch((err: unknown) => {
        if (err instanceof ClaimRefused) return false;
        throw err;
      });
      if (got) return;
      await sleep(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!);
    }
  }

  private async unclaim(jobIds: readonly string[]): Promise<void> {
    await this.pool
      .query('DELETE FROM job_claims WHERE job_id = ANY($1::text[]) AND replica = $2', [
        [...jobIds],
        this.replicaId,
      ])
      .catch((err: Error) =>
        // Left behind, the claim is this replica's own: void to its next claim, and to others
        // once this replica stops beating.
        this.log.warn({ err: err.message, jobs: jobIds.length }, 'job claim not released'),
      );
  }
}

class ClaimRefused extends Error {}
