import {
  isTerminal,
  NON_TERMINAL_STATUSES,
  type StopJobResult,
  type StopMode,
} from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import { JobNotCancellableError, JobNotFoundError } from '../domain/errors.js';
import {
  SchedulerCommandError,
  SchedulerTimeoutError,
  SchedulerUnavailableError,
} from '../scheduler/errors.js';
import type { SignalMode } from '../scheduler/scheduler.js';
import type { JobRecord, JobStore, WatchedJob } from '../store/job-store.js';
import type { Caller } from './caller.js';
import { clusterAccount, jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import type { JobEvents } from './job-events.js';
import type { JobLocks } from './job-locks.js';
import type { JobWriter } from './job-writer.js';
import type { PollTrigger } from './poll-trigger.js';

/**
 * Failures that say nothing about the job: the cluster (SSH, or the Slurm controller behind it)
 * did not answer. A stop that meets one is kept and sent later, not refused.
 */
function isTransient(err: unknown): boolean {
  if (err instanceof SchedulerUnavailableError || err instanceof SchedulerTimeoutError) return true;
  return (
    err instanceof SchedulerCommandError &&
    /unable to contact slurm controller|socket timed out|connection refused/i.test(err.stderr)
  );
}

/** The job's Slurm id now names another job: the stop was not sent (502 to the caller). */
class RemoteJobChangedError extends SchedulerCommandError {
  constructor(systemId: string, message: string) {
    super(systemId, message, null, '');
  }
}

/** A terminated job that Slurm still runs gets `scancel` again, at first soon, then less often. */
const RESEND_MIN_MS = 1_000;
const RESEND_MAX_MS = 60_000;

/**
 * Stops jobs the way users ask, and is the only code that sends a job a signal: records the
 * request, sends one signal per job and mode however many requests come at once (under the job's
 * lock, after a submission under way), and lets Slurm (through the monitor) say when the job
 * ended.
 */
export class Stopper {
  /** Terminated jobs Slurm still runs: when their cancel was last re-sent, and how often. */
  private readonly resent = new Map<string, { at: number; times: number }>();

  constructor(
    private readonly store: JobStore,
    private readonly writer: JobWriter,
    private readonly events: JobEvents,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly locks: JobLocks,
    private readonly polls: PollTrigger,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Stops a job as `mode` says. Resolves to the job as it is once the stop was carried out (and,
   * with `waitMs`, once it ended or the time ran out).
   */
  async request(
    caller: Caller,
    owned: JobRecord,
    mode: StopMode,
    waitMs?: number,
  ): Promise<JobRecord> {
    let job = owned;
    if (isTerminal(job.status)) throw new JobNotCancellableError(job.id, job.status);
    // The owner must still have an account there (an admin acts through the job's own account).
    if (!caller.isAdmin) await clusterAccount(this.system(job), caller);
    if ((mode === 'interrupt' || mode === 'force-stop') && job.status === 'PENDING') {
      // Our PENDING may be a poll old: ask Slurm before turning these into a plain cancel.
      await this.polls.refresh(job.execSystemId);
      job = await this.reread(job);
      if (isTerminal(job.status)) throw new JobNotCancellableError(job.id, job.status);
    }
    // interrupt only means something to a running job; before that it acts as cancel.
    const effective: StopMode = mode === 'interrupt' && job.status !== 'RUNNING' ? 'cancel' : mode;
    // Concurrent requests of one mode share one run; every interrupt is its own.
    const share =
      effective === 'interrupt' ? `stop:interrupt:${Math.random()}` : `stop:${effective}`;
    job = await this.locks.run(job.id, 'signal', share, () =>
      this.carryOutStop(caller, job.id, effective),
    );
    if (waitMs && waitMs > 0 && !isTerminal(job.status)) {
      const ended = this.events.untilTerminal(job.id, waitMs);
      // The job may have ended between the run above and the subscription.
      const now = await this.reread(job);
      if (isTerminal(now.status)) {
        ended.cancel();
        return now;
      }
      return (await ended.job) ?? (await this.reread(job));
    }
    return job;
  }

  /** Stops each of `jobs` (or, with `whatIf`, says what it would stop): one result per job. */
  async many(
    caller: Caller,
    jobs: JobRecord[],
    mode: StopMode,
    whatIf: boolean,
  ): Promise<StopJobResult[]> {
    const one = async (job: JobRecord): Promise<StopJobResult> => {
      const base = { jobId: job.id, name: job.name };
      if (isTerminal(job.status)) {
        return {
          ...base,
          outcome: 'not_cancellable',
          status: job.status,
          message: `job is ${job.status}`,
          job,
        };
      }
      if (whatIf) return { ...base, outcome: 'would_stop', status: job.status, message: null, job };
      try {
        const after = await this.request(caller, job, mode);
        return { ...base, outcome: 'stopped', status: after.status, message: null, job: after };
      } catch (err) {
        if (err instanceof JobNotCancellableError) {
          return {
            ...base,
            outcome: 'not_cancellable',
            status: err.status,
            message: err.message,
            job: null,
          };
        }
        const now = await this.store.get(job.id);
        return {
          ...base,
          outcome: 'error',
          status: now?.status ?? job.status,
          message: (err as Error).message,
          job: null,
        };
      }
    };
    // A handful at a time: each stop is one SSH command, and a connection has few channels.
    const results: StopJobResult[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await one(jobs[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, jobs.length) }, worker));
    return results;
  }

  /** A stop that was recorded but not (or not successfully) sent: send it now, in the background. */
  resume(job: WatchedJob): void {
    const mode = job.stopRequest?.mode;
    if (!mode || mode === 'terminate' || this.locks.holder(job.id)) return;
    const signal: SignalMode = job.status === 'RUNNING' ? mode : 'cancel';
    this.locks
      .run(job.id, 'signal', 'resume', () =>
        this.sendSignal(job, signal, job.stopRequest!.requestedBy),
      )
      .catch((err: Error) =>
        this.log.warn({ jobId: job.id, err: err.message }, 'stop still not sent'),
      );
  }

  /**
   * terminate: these jobs are CANCELLED for their users already; Slurm still runs them. Cancel
   * them again, each with a growing pause (a job stuck in COMPLETING gets one scancel a minute,
   * not one per cycle). One command per account. Resolves to the commands sent.
   */
  async resendCancels(systemId: string, jobs: readonly WatchedJob[]): Promise<number> {
    const now = Date.now();
    const due = jobs.filter((job) => {
      const last = this.resent.get(job.id);
      return !last || now - last.at >= Math.min(RESEND_MIN_MS * 2 ** last.times, RESEND_MAX_MS);
    });
    const system = this.systems.get(systemId)!;
    const byAccount = new Map<string, WatchedJob[]>();
    for (const job of due) {
      const account = jobAccount(job, system);
      byAccount.set(account, [...(byAccount.get(account) ?? []), job]);
    }
    for (const [account, group] of byAccount) {
      for (const job of group) {
        const last = this.resent.get(job.id);
        this.resent.set(job.id, { at: now, times: (last?.times ?? 0) + 1 });
      }
      await system.scheduler.signal(
        group.map((j) => ({ remoteJobId: j.remoteJobId!, gatewayJobId: j.id })),
        'cancel',
        account,
      );
    }
    return byAccount.size;
  }

  /** Forgets the re-send pacing of jobs Slurm confirmed ended. */
  confirmedEnded(jobId: string): void {
    this.resent.delete(jobId);
  }

  private async carryOutStop(caller: Caller, jobId: string, mode: StopMode): Promise<JobRecord> {
    // Read under the lock: a submission that ran before us may have given the job its Slurm id.
    const job = await this.store.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    if (isTerminal(job.status)) throw new JobNotCancellableError(jobId, job.status);
    const previous = job.stopRequest;
    // A second cancel (or force-stop) while Slurm is still ending the job sends nothing more;
    // every interrupt is sent, as many as asked.
    const alreadySent =
      mode !== 'interrupt' && previous?.mode === mode && previous.outcome === 'SIGNALLED';
    const recorded = await this.writer.apply(jobId, {
      patch: {
        stopRequest: {
          mode,
          requestedBy: caller.username,
          // The first request's time stays, and so does the first signal's.
          requestedAt: previous?.requestedAt ?? new Date().toISOString(),
          signalledAt: previous?.signalledAt ?? null,
          outcome: alreadySent ? 'SIGNALLED' : 'REQUESTED',
          message: null,
        },
      },
      events: [
        { event: 'STOP_REQUESTED', actor: caller.username, description: `${mode} requested` },
      ],
      expectStatus: NON_TERMINAL_STATUSES,
    });
    if (!recorded) throw new JobNotCancellableError(jobId, (await this.reread(job)).status);
    if (!recorded.remoteJobId) {
      // Never reached Slurm in this run: the submitter (on its next look) or the monitor (a job a
      // previous run left) sees the request and ends it, or finds it by its tag and stops it.
      if (mode === 'terminate') return this.terminateNow(recorded, caller);
      this.polls.trigger(recorded.execSystemId);
      return recorded;
    }
    if (mode === 'terminate') {
      try {
        await this.sendSignal(recorded, 'cancel', caller.username);
        // One look at Slurm first: a job that had already ended keeps its own outcome (TOO_LATE).
        await this.polls.refresh(recorded.execSystemId);
      } catch (err) {
        // terminate does not wait for the cluster: the monitor sends the cancel when it can.
        this.log.warn({ jobId, err: (err as Error).message }, 'terminate: cancel not sent yet');
      }
      const seen = await this.reread(recorded);
      return isTerminal(seen.status) ? seen : this.terminateNow(seen, caller);
    }
    let current = recorded;
    if (!alreadySent) {
      // A queued job has no processes to interrupt or kill: leaving the queue is its stop.
      const signal: SignalMode = current.status === 'RUNNING' ? (mode as SignalMode) : 'cancel';
      current = await this.sendSignal(current, signal, caller.username);
    }
    // Answer with what Slurm says right after the signal, not with what we assumed, and watch
    // closely while the job winds down.
    this.polls.hurry(current.execSystemId);
    await this.polls.refresh(current.execSystemId);
    return this.reread(current);
  }

  /** terminate: CANCELLED at once, saying so; the monitor keeps cancelling until Slurm agrees. */
  private async terminateNow(job: JobRecord, caller: Caller): Promise<JobRecord> {
    const done = await this.writer.apply(job.id, {
      steps: [
        {
          status: 'CANCELLED',
          description: job.remoteJobId
            ? `terminated by ${caller.username}; Slurm job ${job.remoteJobId} is being cancelled in the background`
            : `terminated by ${caller.username}`,
          actor: caller.username,
        },
      ],
      patch: {
        condition: 'TERMINATED_BY_USER',
        ended: new Date().toISOString(),
        lastMessage: 'terminated: marked CANCELLED at once, nothing collected',
        // Without a remote id the job may still be in Slurm (a restart cut its submission
        // short): the monitor looks for it by its tag before letting go.
        remoteDone: false,
      },
      expectStatus: [job.status],
    });
    this.polls.trigger(job.execSystemId);
    return done ?? this.reread(job);
  }

  /**
   * Sends a stop to Slurm as the job's own account and records it, with the cluster's time of
   * the first signal. Resolves to the job as recorded after it.
   */
  private async sendSignal(
    job: WatchedJob,
    mode: SignalMode,
    actor: string | null,
  ): Promise<JobRecord> {
    const system = this.system(job);
    let sentAt: string;
    try {
      const sent = await system.scheduler.signal(
        [{ remoteJobId: job.remoteJobId!, gatewayJobId: job.id }],
        mode,
        jobAccount(job, system),
      );
      if (sent.notThisJob.length > 0) {
        throw new RemoteJobChangedError(
          job.execSystemId,
          `Slurm job ${job.remoteJobId} no longer carries this job's tag: nothing was signalled (the controller may have lost its state; the job will be marked lost if Slurm does not list it again)`,
        );
      }
      sentAt = sent.sentAt;
    } catch (err) {
      const message = (err as Error).message;
      if (isTransient(err)) {
        // The user's intent outlives the outage (and the gateway): the request stays REQUESTED in
        // the store, and the monitor sends it once the cluster answers again.
        const deferred = `not sent yet (${message}); it will be sent when ${job.execSystemId} answers`;
        if (job.stopRequest?.message === deferred) return this.reread(job);
        const kept = await this.writer.apply(job.id, {
          patch: {
            stopRequest: job.stopRequest && { ...job.stopRequest, message: deferred },
            lastMessage: `${job.stopRequest?.mode ?? mode} requested; ${deferred}`,
          },
          events: [{ event: 'STOP_FAILED', actor, description: deferred }],
          expectStatus: [job.status],
        });
        return kept ?? this.reread(job);
      }
      // Recorded once: a stop retried every poll cycle adds nothing new.
      if (job.stopRequest?.outcome === 'REQUESTED') {
        await this.writer.apply(job.id, {
          patch: { stopRequest: { ...job.stopRequest, outcome: 'FAILED', message } },
          events: [{ event: 'STOP_FAILED', actor, description: message }],
          expectStatus: [job.status],
        });
      }
      throw err;
    }
    const stop = job.stopRequest;
    const after = await this.writer.apply(job.id, {
      patch:
        stop && stop.outcome !== 'CONFIRMED' && stop.outcome !== 'TOO_LATE'
          ? {
              stopRequest: {
                ...stop,
                outcome: 'SIGNALLED',
                signalledAt: stop.signalledAt ?? sentAt,
              },
            }
          : {},
      events: [
        {
          event: 'STOP_SIGNALLED',
          actor,
          description: `${mode} sent to Slurm job ${job.remoteJobId}`,
        },
      ],
    });
    return after ?? this.reread(job);
  }

  private system(job: WatchedJob): ExecutionSystem {
    return this.systems.get(job.execSystemId)!;
  }

  private async reread(job: WatchedJob): Promise<JobRecord> {
    const now = await this.store.get(job.id);
    if (!now) throw new JobNotFoundError(job.id);
    return now;
  }
}
