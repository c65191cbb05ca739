import type { FastifyBaseLogger } from 'fastify';
import type { JobLocks } from '../coordination/job-locks.js';
import { SchedulerCommandError, SchedulerUnavailableError } from '../scheduler/errors.js';
import type { BatchJobSpec } from '../scheduler/scheduler.js';
import type { JobRecord, JobStore, SubmitAttempts, WatchedJob } from '../store/job-store.js';
import { jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import type { JobWriter } from './job-writer.js';
import type { PollTrigger } from './poll-trigger.js';

export interface SubmitterTimings {
  /** A job sbatch has not taken this long after its first run fails (SUBMISSION_FAILED). */
  retryForMs: number;
  /** Runs whose answer never came: after this many the job fails. */
  maxUnanswered: number;
  /**
   * How long after its last run a job that failed (or was stopped) with unanswered runs stays
   * watched for its tag: a copy that lands meanwhile is cancelled (or, if stopped, taken as it).
   */
  lateArrivalWatchMs: number;
  /** The pause before the next run after a passing refusal, doubling from min to max. */
  backoffMinMs: number;
  backoffMaxMs: number;
}

export const SUBMITTER_TIMINGS: SubmitterTimings = {
  retryForMs: 10 * 60_000,
  maxUnanswered: 5,
  lateArrivalWatchMs: 10 * 60_000,
  backoffMinMs: 5_000,
  backoffMaxMs: 60_000,
};

/**
 * What one sbatch run that returned no id says about the job:
 * - `refused`: sbatch answered no (a bad option, an unknown partition): final;
 * - `passing`: not queued, for a reason that passes (the controller down or busy, SSH down
 *   before the command was sent): tried again after a pause, for a bounded time;
 * - `unanswered`: no answer (a timeout, a connection dropped under the command, a reply lost):
 *   the job may be queued all the same, so Slurm is asked for its tag before any other run.
 */
export type SubmitFailure = 'refused' | 'passing' | 'unanswered';

/** sbatch's words for a controller that may have queued the job but whose answer was lost. */
const REPLY_LOST = /socket timed out|zero bytes were transmitted|communication connection failure/i;
/** sbatch's words for a controller that did not take the job, for now. */
const NOT_NOW =
  /unable to contact slurm controller|connect failure|connection refused|temporarily unable|resource temporarily unavailable|backup controller in standby/i;
/**
 * SSH failures before the command was sent (SshConnection's and SshPool's words), and a job of a
 * batch whose command ended before its turn (SlurmScheduler's).
 */
const NOT_SENT =
  /^cannot connect|^cannot open an SSH channel|closed during the handshake|are busy$|private key for|^not sent:/;

export function submitFailure(err: unknown): SubmitFailure {
  if (err instanceof SchedulerCommandError && err.exitCode !== null) {
    if (REPLY_LOST.test(err.stderr)) return 'unanswered';
    return NOT_NOW.test(err.stderr) ? 'passing' : 'refused';
  }
  if (err instanceof SchedulerUnavailableError && NOT_SENT.test(err.message)) return 'passing';
  return 'unanswered';
}

/**
 * Hands jobs to their system's scheduler, in the background, one submission per job at a time.
 *
 * A submission is provably single: each sbatch run is counted in the store before it starts
 * (SubmitAttempts: the count outlives the gateway); sbatch runs under a remote `timeout` that
 * ends it before the gateway stops waiting, so no run outlives its wait; and a job whose run went
 * unanswered is run again only by the Reconciler, after Slurm's listing (read once per cycle)
 * showed no job with its tag. A job that gives up after unanswered runs stays watched for
 * `lateArrivalWatchMs`, and a late copy that lands is cancelled (by the Stopper). A passing
 * refusal (the controller down) is retried with a growing pause for `retryForMs`; a real refusal
 * is final at once.
 */
export class Submitter {
  private closed = false;
  /** Per job waiting for its next run: the poke at the end of its pause, and its deadline. */
  private readonly timers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly store: JobStore,
    private readonly writer: JobWriter,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly locks: JobLocks,
    private readonly polls: PollTrigger,
    private readonly log: FastifyBaseLogger,
    private readonly timings: SubmitterTimings = SUBMITTER_TIMINGS,
  ) {}

  /** Submits in the background, under the job's lock; a second call while one runs joins it. */
  start(jobId: string): void {
    if (this.closed) return;
    this.locks
      .run(jobId, 'submit', 'submit', () => this.submitToScheduler(jobId))
      .catch((err: Error) => this.log.error({ jobId, err: err.message }, 'submission crashed'));
  }

  /** Takes no new submissions (those under way are waited for through the locks). */
  close(): void {
    this.closed = true;
    for (const jobId of [...this.timers.keys()]) this.clearTimers(jobId);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Whether a job in PROCESSING_INPUTS without a Slurm id may be run again now, Slurm's listing
   * having just shown no job with its tag: once an unanswered run had `settleMs` to show up
   * there, and the pause after a passing refusal is over (or the bound is passed: the run then
   * fails it without sending anything).
   */
  retryDue(job: WatchedJob, settleMs: number, now = Date.now()): boolean {
    const a = job.submitAttempts;
    // Never run (a previous gateway stopped before its first run, or kept no count).
    if (!a) return now - Date.parse(job.lastUpdated) > settleMs;
    if (this.outOfTries(a, now)) return true;
    const wait = Math.max(this.backoff(a.count), a.unanswered > 0 ? settleMs : 0);
    return now - Date.parse(a.lastAt) >= wait;
  }

  /** Whether a run of this job that went unanswered may still land in Slurm (watch its tag). */
  mayStillArrive(job: WatchedJob, now = Date.now()): boolean {
    const a = job.submitAttempts;
    return !!a && a.unanswered > 0 && now - Date.parse(a.lastAt) < this.timings.lateArrivalWatchMs;
  }

  private async submitToScheduler(jobId: string): Promise<void> {
    // Read under the lock: a stop recorded meanwhile is seen here.
    const job = await this.store.get(jobId);
    if (job?.status !== 'PROCESSING_INPUTS' || job.remoteJobId) return;
    const system = this.systems.get(job.execSystemId)!;
    if (job.stopRequest) {
      // Stopped before it reached Slurm: it never will (a run that went unanswered may still
      // land: the monitor watches its tag a while, and stops what it finds).
      await this.writer.apply(job.id, {
        steps: [{ status: 'CANCELLED', description: 'stopped before it was handed to Slurm' }],
        patch: {
          condition:
            job.stopRequest.mode === 'terminate' ? 'TERMINATED_BY_USER' : 'CANCELLED_BY_USER',
          ended: new Date().toISOString(),
          remoteDone: !this.mayStillArrive(job),
          stopRequest: {
            ...job.stopRequest,
            outcome: 'CONFIRMED',
            message: 'never reached Slurm',
          },
        },
        expectStatus: ['PROCESSING_INPUTS'],
      });
      return;
    }
    const before = job.submitAttempts;
    if (before && this.outOfTries(before, Date.now())) {
      await this.fail(job, before, this.givingUp(before, null));
      return;
    }
    // Counted before it runs, as unanswered until it is: a crash in between counts it too.
    const startedAt = new Date().toISOString();
    const attempts: SubmitAttempts = {
      count: (before?.count ?? 0) + 1,
      unanswered: (before?.unanswered ?? 0) + 1,
      firstAt: before?.firstAt ?? startedAt,
      lastAt: startedAt,
    };
    const counted = await this.writer.apply(job.id, {
      patch: { submitAttempts: attempts },
      expectStatus: ['PROCESSING_INPUTS'],
    });
    if (!counted) return;
    let remoteJobId: string;
    try {
      remoteJobId = await system.scheduler.submit(toSpec(job), jobAccount(job, system));
    } catch (err) {
      await this.failed(counted, attempts, err);
      return;
    }
    this.clearTimers(job.id);
    await this.writer.apply(job.id, {
      steps: [{ status: 'PENDING', description: `queued by Slurm as job ${remoteJobId}` }],
      patch: {
        remoteJobId,
        remoteSubmitted: new Date().toISOString(),
        lastMessage: `submitted to Slurm as job ${remoteJobId}`,
        submitAttempts: { ...attempts, unanswered: attempts.unanswered - 1 },
      },
      events: [
        {
          event: 'REMOTE_SUBMITTED',
          actor: null,
          description: `sbatch returned job ${remoteJobId}`,
        },
      ],
      expectStatus: ['PROCESSING_INPUTS'],
    });
    this.polls.trigger(job.execSystemId);
  }

  /** One run returned no id: final, tried again after a pause, or looked for in Slurm first. */
  private async failed(job: JobRecord, counted: SubmitAttempts, err: unknown): Promise<void> {
    const message = (err as Error).message;
    const kind = submitFailure(err);
    const now = Date.now();
    const attempts: SubmitAttempts = {
      ...counted,
      // This run answered: it queued nothing.
      unanswered: kind === 'unanswered' ? counted.unanswered : counted.unanswered - 1,
      // The time the gateway stopped waiting: what the pause, the settling and the watch run from.
      lastAt: new Date(now).toISOString(),
    };
    this.log.warn(
      { jobId: job.id, err: message, kind, attempts: attempts.count },
      'submission not taken',
    );
    if (kind === 'refused') {
      await this.fail(job, attempts, `submission failed: ${message}`);
      return;
    }
    if (this.outOfTries(attempts, now)) {
      await this.fail(job, attempts, this.givingUp(attempts, message));
      return;
    }
    const until = new Date(Date.parse(attempts.firstAt) + this.timings.retryForMs).toISOString();
    const lastMessage =
      kind === 'passing'
        ? `Slurm did not take the job yet (${message}); the submission will be retried until ${until}`
        : `submission outcome unknown (${message}); Slurm will be asked for the job before it is submitted again, until ${until}`;
    await this.writer.apply(job.id, {
      patch: { submitAttempts: attempts, lastMessage },
      expectStatus: ['PROCESSING_INPUTS'],
    });
    // The monitor runs it again (after a look at the listing): wake it when the pause is over,
    // and fail the job at the deadline even if the cluster stays unreachable (no cycle then).
    this.clearTimers(job.id);
    this.timers.set(job.id, [
      this.after(this.backoff(attempts.count), () => this.polls.trigger(job.execSystemId)),
      this.after(Date.parse(until) - now, () => {
        this.clearTimers(job.id);
        this.expire(job.id);
      }),
    ]);
  }

  /** The deadline passed without a run that counts: fail the job (under its lock). */
  private expire(jobId: string): void {
    if (this.closed) return;
    this.locks
      .run(jobId, 'submit', 'expire', async () => {
        const job = await this.store.get(jobId);
        const a = job?.submitAttempts;
        if (!job || !a || job.status !== 'PROCESSING_INPUTS' || job.remoteJobId) return;
        if (this.outOfTries(a, Date.now())) {
          await this.fail(job, a, this.givingUp(a, null));
        }
      })
      .catch((err: Error) => this.log.error({ jobId, err: err.message }, 'expiry crashed'));
  }

  /** FAILED for good; still watched for its tag while an unanswered run may land. */
  private async fail(job: JobRecord, attempts: SubmitAttempts, message: string): Promise<void> {
    this.log.warn({ jobId: job.id, err: message }, 'submission failed');
    const watch = this.mayStillArrive({ ...job, submitAttempts: attempts });
    await this.writer.apply(job.id, {
      steps: [{ status: 'FAILED', description: message }],
      patch: {
        condition: 'SUBMISSION_FAILED',
        lastMessage: watch
          ? `${message}; should Slurm queue it after all, that copy will be cancelled`
          : message,
        ended: new Date().toISOString(),
        remoteDone: !watch,
        submitAttempts: attempts,
      },
      expectStatus: ['PROCESSING_INPUTS'],
    });
  }

  private outOfTries(a: SubmitAttempts, now: number): boolean {
    return (
      a.unanswered >= this.timings.maxUnanswered ||
      now - Date.parse(a.firstAt) >= this.timings.retryForMs
    );
  }

  private givingUp(a: SubmitAttempts, last: string | null): string {
    const why =
      a.unanswered >= this.timings.maxUnanswered
        ? `sbatch gave no answer ${a.unanswered} times`
        : `Slurm did not take the job within ${Math.round(this.timings.retryForMs / 60_000)} minutes (${a.count} tries)`;
    return `submission failed: ${why}${last ? ` (last: ${last})` : ''}`;
  }

  private backoff(count: number): number {
    const { backoffMinMs, backoffMaxMs } = this.timings;
    return Math.min(backoffMinMs * 2 ** Math.max(0, count - 1), backoffMaxMs);
  }

  private after(ms: number, fn: () => void): NodeJS.Timeout {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return timer;
  }

  private clearTimers(jobId: string): void {
    for (const t of this.timers.get(jobId) ?? []) clearTimeout(t);
    this.timers.delete(jobId);
  }
}

/** What the scheduler is asked to run, from the job as the user submitted it. */
export function toSpec(job: JobRecord): BatchJobSpec {
  return {
    gatewayJobId: job.id,
    name: job.name,
    script: job.script,
    command: job.command,
    args: job.args,
    env: job.env,
    workingDir: job.workingDir,
    partition: job.partition,
    nodes: job.nodes,
    cpusPerTask: job.cpusPerTask,
    memoryMB: job.memoryMB,
    maxMinutes: job.maxMinutes,
    array: job.array,
    phases: job.phases,
  };
}
