import { arrayIndices, isTerminal, type JobTask } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { JobLocks } from '../coordination/job-locks.js';
import type { PollResult, RemoteJob } from '../scheduler/scheduler.js';
import type { WatchedJob } from '../store/job-store.js';
import { aggregateTasks, summarize, taskFromRemote } from './array-outcome.js';
import type { JobWriter } from './job-writer.js';
import { changeFromRemote } from './remote-outcome.js';
import type { Stopper } from './stopper.js';
import type { Submitter } from './submitter.js';

/**
 * How far a record's submit time (Slurm's clock, whole seconds) may be from the job's
 * (Slurm's own time once the queue listed it; until then the gateway's time at sbatch's answer).
 */
const SUBMIT_TIME_TOLERANCE_MS = 2_000;

export interface ReconcilerTimings {
  /** How long a submission with no answer may take to show up in the scheduler's listing. */
  settleMs: number;
  /** How long a job may be missing from every listing (or listed as another job) before it is lost. */
  lostAfterMs: number;
}

export interface Reconciled {
  /** Remote commands this reconciliation sent (re-sent cancels). */
  commands: number;
  /** Something is still moving: poll again soon. */
  again: boolean;
}

/**
 * The way back from a poll: what each watched job becomes given what the scheduler listed,
 * written through the JobWriter; stops and submissions left unfinished are handed back to the
 * Stopper and the Submitter. A listed job counts only if it carries this job's tag and runs as
 * this job's account: a reused Slurm id is never taken for the job, nor signalled.
 */
export class Reconciler {
  /** Jobs not found as themselves in the listings: since when. */
  private readonly missingSince = new Map<string, number>();
  /** Each watched array's tasks as last written: only changes are written again. */
  private readonly taskStates = new Map<string, Map<number, JobTask>>();

  constructor(
    private readonly systemId: string,
    private readonly writer: JobWriter,
    private readonly locks: JobLocks,
    private readonly stopper: Stopper,
    private readonly submitter: Submitter,
    private readonly accountOf: (job: WatchedJob) => string,
    private readonly timings: ReconcilerTimings,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * `partial`: `watched` is some of the watched jobs only (a focused look), so what is kept about
   * the others stays.
   */
  async reconcile(
    watched: readonly WatchedJob[],
    result: PollResult,
    { now = new Date(), partial = false }: { now?: Date; partial?: boolean } = {},
  ): Promise<Reconciled> {
    let again = false;
    const stillRunningAfterTerminate: WatchedJob[] = [];
    const seen = new Set<string>();
    // Final records by Slurm id, in order (an id may have several), grouped once per cycle.
    const recordsById = new Map<string, RemoteJob[]>();
    for (const r of result.records) {
      const group = recordsById.get(r.remoteJobId);
      if (group) group.push(r);
      else recordsById.set(r.remoteJobId, [r]);
    }
    // Who is busy with which job, here or on another replica: read once for the cycle.
    const busy = await this.locks.holders(watched.map((j) => j.id));
    for (const job of watched) {
      seen.add(job.id);
      if (!job.remoteJobId) {
        if (busy.get(job.id) !== 'submit') again ||= await this.reconcileUnrecorded(job, result);
        continue;
      }
      const queued = result.byId.get(job.remoteJobId);
      const records = recordsById.get(job.remoteJobId) ?? [];
      const listed = queued ?? records.at(-1);
      const remote = job.array
        ? await this.arrayAsOne(job, result.tasks.get(job.remoteJobId) ?? [], queued)
        : queued && this.isThisJob(job, queued)
          ? queued
          : records.filter((r) => this.isThisRecord(job, r)).at(-1);
      if (!remote) {
        // Not listed, and the record source did not answer: unknown, not missing.
        if (!listed && result.incomplete !== null) continue;
        again ||= await this.missing(job, listed, now);
        continue;
      }
      this.missingSince.delete(job.id);
      // A stop on its way decides how this end is recorded: until it is recorded as sent, the
      // end is left to it (it looks again right after).
      if (
        remote.phase === 'ended' &&
        busy.get(job.id) === 'signal' &&
        job.stopRequest?.outcome === 'REQUESTED'
      ) {
        continue;
      }
      const change = changeFromRemote(job, remote, now);
      // Computed from the job as read at the start of the cycle: if anything changed it since
      // (a stop request, say), skip it now and judge it again next cycle.
      const updated = change
        ? await this.writer.apply(job.id, { ...change, expectLastUpdated: job.lastUpdated })
        : job;
      if (!updated) {
        again = true;
        continue;
      }
      if (updated.remoteDone) this.stopper.confirmedEnded(job.id);
      if (updated.status === 'CANCELLED' && !updated.remoteDone && remote.phase !== 'ended') {
        stillRunningAfterTerminate.push(updated);
      }
      const stop = updated.stopRequest;
      if (
        !isTerminal(updated.status) &&
        stop &&
        (stop.outcome === 'REQUESTED' || stop.outcome === 'FAILED') &&
        !busy.has(job.id)
      ) {
        this.stopper.resume(updated);
      }
      if (!isTerminal(updated.status) && stop?.escalation && !busy.has(job.id)) {
        this.stopper.escalate(updated);
      }
    }
    if (!partial) {
      for (const id of this.missingSince.keys()) if (!seen.has(id)) this.missingSince.delete(id);
      for (const id of this.taskStates.keys()) if (!seen.has(id)) this.taskStates.delete(id);
    }
    let commands = 0;
    if (stillRunningAfterTerminate.length > 0) {
      commands = await this.stopper.resendCancels(this.systemId, stillRunningAfterTerminate);
      again = true;
    }
    return { commands, again };
  }

  /**
   * A job array's tasks that are this job's (tag and account in the queue, account and submit
   * time in the records), written to the store where they changed, and the array as one remote
   * job; undefined when none is.
   */
  private async arrayAsOne(
    job: WatchedJob,
    tasks: readonly RemoteJob[],
    remainder: RemoteJob | undefined,
  ): Promise<RemoteJob | undefined> {
    if (!job.tasks) return undefined;
    const mine = tasks.filter((t) =>
      t.gatewayJobId !== null ? this.isThisJob(job, t) : this.isThisRecord(job, t),
    );
    // Tasks that were never split from the array's pending part are listed as that part alone
    // (a drain or a cancel before they started leaves one CANCELLED line under the array's id).
    if (remainder && this.isThisJob(job, remainder) && job.array) {
      const listed = new Set(mine.map((t) => t.arrayTaskId));
      for (const index of arrayIndices(job.array.indices) ?? []) {
        if (!listed.has(index)) mine.push({ ...remainder, arrayTaskId: index, started: null });
      }
    }
    if (mine.length === 0) return undefined;
    const known = this.taskStates.get(job.id) ?? new Map<number, JobTask>();
    const rows = mine.map((t) => taskFromRemote(t, known.get(t.arrayTaskId ?? -1)?.status));
    const changed = rows.filter((r) => {
      const k = known.get(r.index);
      return (
        !k ||
        k.status !== r.status ||
        k.remoteState !== r.remoteState ||
        k.started !== r.started ||
        k.ended !== r.ended
      );
    });
    if (changed.length > 0) {
      await this.writer.saveTasks(job.id, changed, summarize(job.tasks.total, rows));
      for (const r of changed) known.set(r.index, r);
      this.taskStates.set(job.id, known);
    }
    return aggregateTasks(job.remoteJobId!, mine, job.tasks.total);
  }

  /** The queue lists this job under its id: its tag (the comment) and its account. */
  private isThisJob(job: WatchedJob, remote: RemoteJob): boolean {
    return remote.gatewayJobId === job.id && remote.remoteUser === this.accountOf(job);
  }

  /**
   * A final record is this job's when its account and its submit time match: records carry no
   * comment, and after a controller lost its state one id names several jobs.
   */
  private isThisRecord(job: WatchedJob, record: RemoteJob): boolean {
    if (record.remoteUser !== null && record.remoteUser !== this.accountOf(job)) return false;
    if (record.submitted === null || job.remoteSubmitted === null) return true;
    return (
      Math.abs(Date.parse(record.submitted) - Date.parse(job.remoteSubmitted)) <=
      SUBMIT_TIME_TOLERANCE_MS
    );
  }

  /**
   * Not listed as itself: not yet, purged without a record, or its id went to another job (a
   * controller that lost its state reuses ids). After `lostAfterMs` the job is marked lost; it
   * is never matched with, or signalled as, what now carries its id.
   */
  private async missing(
    job: WatchedJob,
    listed: RemoteJob | undefined,
    now: Date,
  ): Promise<boolean> {
    const since = this.missingSince.get(job.id) ?? now.getTime();
    this.missingSince.set(job.id, since);
    if (listed) {
      this.log.warn(
        {
          jobId: job.id,
          remoteJobId: job.remoteJobId,
          tag: listed.gatewayJobId,
          user: listed.remoteUser,
        },
        'Slurm lists another job under this id: ignored',
      );
    }
    if (now.getTime() - since < this.timings.lostAfterMs) return false;
    this.missingSince.delete(job.id);
    const why = listed
      ? `Slurm job ${job.remoteJobId} is now another job (${listed.gatewayJobId ? `tag ${listed.gatewayJobId}` : 'no hpcgate tag'}, account ${listed.remoteUser ?? '?'}); the controller may have lost its state`
      : `Slurm no longer knows job ${job.remoteJobId} and kept no record of its end`;
    if (isTerminal(job.status)) {
      // terminated already: stop waiting for a confirmation that cannot come.
      await this.writer.apply(job.id, {
        patch: { remoteDone: true, lastMessage: why },
        expectLastUpdated: job.lastUpdated,
      });
      return false;
    }
    this.log.warn({ jobId: job.id, remoteJobId: job.remoteJobId }, why);
    await this.writer.apply(job.id, {
      steps: [{ status: 'FAILED', description: `lost: ${why}` }],
      patch: {
        condition: 'REMOTE_JOB_LOST',
        lastMessage: why,
        ended: now.toISOString(),
        remoteDone: true,
      },
      expectLastUpdated: job.lastUpdated,
    });
    return false;
  }

  /**
   * A job without a Slurm id that this process is not submitting: a previous run (or an answer
   * that never came) left it. The one listing of the cycle decides, by the job's tag (as its
   * account): never submit twice.
   * - FAILED (its submission gave up after unanswered runs): a copy that lands now is a job
   *   nobody asked for, and is cancelled; the job is let go once no run of it can still land
   *   and nothing alive carries its tag.
   * - A job Slurm lists with its tag otherwise is that job (a stopped one is then stopped there).
   * - Not listed: a PROCESSING_INPUTS job is run again once the Submitter says it is due (an
   *   unanswered run had time to show up here, a pause after a passing refusal is over); a
   *   stopped one is let go once no run of it can still land.
   */
  private async reconcileUnrecorded(job: WatchedJob, result: PollResult): Promise<boolean> {
    const listed = result.byTag.get(job.id);
    const remote =
      listed && (listed.remoteUser === null || listed.remoteUser === this.accountOf(job))
        ? listed
        : undefined;
    const alive = remote !== undefined && remote.phase !== 'ended';
    if (job.status === 'FAILED') {
      if (alive) {
        this.log.warn(
          { jobId: job.id, remoteJobId: remote.remoteJobId },
          'a submission given up on landed late: cancelling it',
        );
        try {
          await this.stopper.cancelLateArrival(job, remote.remoteJobId);
        } catch (err) {
          // Tried again next cycle: the job stays watched while the copy is listed alive.
          this.log.warn({ jobId: job.id, err: (err as Error).message }, 'late copy not cancelled');
        }
        return true;
      }
      if (!this.submitter.mayStillArrive(job)) {
        await this.writer.apply(job.id, {
          patch: { remoteDone: true },
          expectLastUpdated: job.lastUpdated,
        });
      }
      return false;
    }
    if (remote) {
      const adopted = await this.writer.apply(job.id, {
        patch: {
          remoteJobId: remote.remoteJobId,
          remoteSubmitted: remote.submitted ?? new Date().toISOString(),
        },
        events: [
          {
            event: 'REMOTE_SUBMITTED',
            actor: null,
            description: `found Slurm job ${remote.remoteJobId} carrying this job's tag`,
          },
        ],
        expectLastUpdated: job.lastUpdated,
      });
      // Not written: its submission recorded the id meanwhile (the poll read the job before).
      if (adopted) {
        this.log.info(
          { jobId: job.id, remoteJobId: remote.remoteJobId },
          'found unrecorded remote job',
        );
      }
      return true;
    }
    if (job.status === 'CANCELLED') {
      if (!this.submitter.mayStillArrive(job)) {
        await this.writer.apply(job.id, {
          patch: { remoteDone: true },
          expectLastUpdated: job.lastUpdated,
        });
      }
      return false;
    }
    if (job.status === 'PROCESSING_INPUTS' && this.submitter.retryDue(job, this.timings.settleMs)) {
      this.submitter.start(job.id);
    }
    return false;
  }
}
