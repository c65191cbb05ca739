import {
  isTerminal,
  NON_TERMINAL_STATUSES,
  type StopJobResult,
  type StopMode,
} from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import { JobNotCancellableError } from '../domain/errors.js';
import type { JobRecord, JobStore } from '../store/job-store.js';
import type { Caller } from './caller.js';
import { clusterAccount, jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import type { JobEvents } from './job-events.js';
import type { JobWriter } from './job-writer.js';
import type { Submitter } from './submitter.js';
import type { SystemMonitor } from './system-monitor.js';

/**
 * Stops jobs the way users ask: records the request, sends one signal per job and mode however
 * many requests come at once, and lets Slurm (through the monitor) say when the job ended.
 */
export class Stopper {
  /** One stop per job and mode at a time: concurrent requests share it. */
  private readonly stops = new Map<string, Promise<void>>();
  /** Jobs whose signal is on its way to Slurm: the monitor leaves their end to the stop. */
  private readonly signalling = new Set<string>();

  constructor(
    private readonly store: JobStore,
    private readonly writer: JobWriter,
    private readonly events: JobEvents,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly submitter: Submitter,
    private readonly monitorOf: (systemId: string) => SystemMonitor,
    private readonly log: FastifyBaseLogger,
  ) {}

  isSignalling(jobId: string): boolean {
    return this.signalling.has(jobId);
  }

  /** Waits for the stops under way. */
  async settle(): Promise<void> {
    await Promise.allSettled(this.stops.values());
  }

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
    const jobId = owned.id;
    let job = owned;
    if (isTerminal(job.status)) throw new JobNotCancellableError(job.id, job.status);
    // The owner must still have an account there (an admin acts through the job's own account).
    if (!caller.isAdmin) await clusterAccount(this.systems.get(job.execSystemId)!, caller);
    if ((mode === 'interrupt' || mode === 'force-stop') && job.status === 'PENDING') {
      // Our PENDING may be a poll old: ask Slurm before turning these into a plain cancel.
      await this.monitorOf(job.execSystemId).refresh();
      job = (await this.store.get(jobId))!;
      if (isTerminal(job.status)) throw new JobNotCancellableError(job.id, job.status);
    }
    // interrupt only means something to a running job; before that it acts as cancel.
    const effective: StopMode = mode === 'interrupt' && job.status !== 'RUNNING' ? 'cancel' : mode;
    const key = `${jobId}:${effective}`;
    let stop = this.stops.get(key);
    if (!stop) {
      stop = this.carryOutStop(caller, jobId, effective).finally(() => this.stops.delete(key));
      this.stops.set(key, stop);
    }
    await stop;
    job = (await this.store.get(jobId))!;
    if (waitMs && waitMs > 0 && !isTerminal(job.status)) {
      const ended = this.events.untilTerminal(jobId, waitMs);
      // The job may have ended between the read above and the subscription.
      const now = (await this.store.get(jobId))!;
      if (isTerminal(now.status)) {
        ended.cancel();
        return now;
      }
      return (await ended.job) ?? (await this.store.get(jobId))!;
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
    // A handful at a time: each stop is one SSH command, and the connection has few channels.
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

  private async carryOutStop(caller: Caller, jobId: string, mode: StopMode): Promise<void> {
    const job = (await this.store.get(jobId))!;
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
    if (!recorded) {
      const now = (await this.store.get(jobId))!;
      throw new JobNotCancellableError(jobId, now.status);
    }
    // A submission in flight finishes first: the id sbatch returns is then stopped at once.
    const submitting = this.submitter.current(jobId);
    if (submitting) await submitting;
    const current = (await this.store.get(jobId))!;
    if (isTerminal(current.status)) return;
    const monitor = this.monitorOf(current.execSystemId);

    if (mode === 'terminate') {
      await this.writer.apply(jobId, {
        steps: [
          {
            status: 'CANCELLED',
            description: current.remoteJobId
              ? `terminated by ${caller.username}; Slurm job ${current.remoteJobId} is being cancelled in the background`
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
        expectStatus: [current.status],
      });
      if (current.remoteJobId) await this.sendSignal(jobId, 'cancel', caller.username);
      monitor.trigger();
      return;
    }
    if (!current.remoteJobId) {
      // Left over from a previous run: the monitor finds or resubmits it, and sends the stop then.
      monitor.trigger();
      return;
    }
    if (!alreadySent) {
      // A queued job has no processes to interrupt or kill: leaving the queue is its stop.
      await this.sendSignal(jobId, current.status === 'RUNNING' ? mode : 'cancel', caller.username);
    }
    // Answer with what Slurm says right after the signal, not with what we assumed, and watch
    // closely while the job winds down.
    monitor.hurry();
    await monitor.refresh();
  }

  /** Sends a stop to Slurm and records it, with the cluster's time of the first signal. */
  private async sendSignal(
    jobId: string,
    mode: 'cancel' | 'interrupt' | 'force-stop',
    actor: string | null,
  ): Promise<void> {
    const job = (await this.store.get(jobId))!;
    const system = this.systems.get(job.execSystemId)!;
    this.signalling.add(jobId);
    let sentAt: string;
    try {
      ({ sentAt } = await system.scheduler.signal(
        [job.remoteJobId!],
        mode,
        jobAccount(job, system),
      ));
    } catch (err) {
      const message = (err as Error).message;
      const latest = (await this.store.get(jobId))!;
      // Recorded once: a stop retried every poll cycle while the system is down adds nothing new.
      if (latest.stopRequest?.outcome === 'REQUESTED') {
        await this.writer.apply(jobId, {
          patch: { stopRequest: { ...latest.stopRequest, outcome: 'FAILED', message } },
          events: [{ event: 'STOP_FAILED', actor, description: message }],
          expectStatus: [latest.status],
        });
      }
      throw err;
    } finally {
      this.signalling.delete(jobId);
    }
    const latest = (await this.store.get(jobId))!;
    const stop = latest.stopRequest;
    await this.writer.apply(jobId, {
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
  }

  /** A stop that was recorded but not (or not successfully) sent: send it now. */
  resume(job: JobRecord): void {
    const mode = job.stopRequest?.mode;
    if (!mode || mode === 'terminate' || this.isStoppingNow(job.id)) return;
    const key = `${job.id}:resume`;
    const run = this.sendSignal(
      job.id,
      job.status === 'RUNNING' ? mode : 'cancel',
      job.stopRequest!.requestedBy,
    )
      .catch((err: Error) =>
        this.log.warn({ jobId: job.id, err: err.message }, 'stop still not sent'),
      )
      .finally(() => this.stops.delete(key));
    this.stops.set(key, run);
  }

  private isStoppingNow(jobId: string): boolean {
    for (const key of this.stops.keys()) if (key.startsWith(`${jobId}:`)) return true;
    return false;
  }
}
