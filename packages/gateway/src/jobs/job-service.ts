import { randomUUID } from 'node:crypto';
import {
  isTerminal,
  type JobEvent,
  type JobSelector,
  type ListJobsFilter,
  type StopJobResult,
  type StopMode,
  type SubmitJobParams,
} from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { ExecutionSystemConfig } from '../config/schema.js';
import { JobNotCancellableError, JobNotFoundError, UnknownSystemError } from '../domain/errors.js';
import { SchedulerCommandError, SchedulerUnavailableError } from '../scheduler/errors.js';
import type { BatchJobSpec, Scheduler } from '../scheduler/scheduler.js';
import type { JobChange, JobPage, JobRecord, JobStore } from '../store/job-store.js';
import { JobEvents } from './job-events.js';
import { type MonitorHost, SystemMonitor } from './system-monitor.js';

export interface ExecutionSystem {
  config: ExecutionSystemConfig;
  scheduler: Scheduler;
}

/**
 * Who is asking. Only the owner sees a job; anyone else gets "not found", except admins, who may
 * read and stop every job (as themselves: history names the admin as the actor). Listing and bulk
 * stops stay the caller's own jobs, admins included.
 */
export interface Caller {
  username: string;
  isAdmin: boolean;
}

const HOT_WINDOW_MS = 30_000;
/** Submissions whose outcome stayed unknown this many times fail for good. */
const MAX_SUBMIT_ATTEMPTS = 5;

/**
 * The job lifecycle: accepts jobs, hands them to their system's scheduler, stops them the way the
 * user asked, and keeps their state from the monitors' polls.
 */
export class JobService implements MonitorHost {
  readonly events = new JobEvents();
  private readonly monitors = new Map<string, SystemMonitor>();
  private readonly submissions = new Map<string, Promise<void>>();
  /** One stop per job and mode at a time: concurrent requests share it. */
  private readonly stops = new Map<string, Promise<void>>();
  /** Jobs whose signal is on its way to Slurm: the monitor leaves their end to the stop. */
  private readonly signalling = new Set<string>();
  private readonly submitAttempts = new Map<string, number>();
  private stopping = false;

  constructor(
    private readonly store: JobStore,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly log: FastifyBaseLogger,
  ) {
    for (const [id, system] of systems) {
      this.monitors.set(
        id,
        new SystemMonitor(
          system.scheduler,
          store,
          this,
          {
            fastMs: system.config.pollFastMs,
            idleMs: system.config.pollIdleMs,
            hotWindowMs: HOT_WINDOW_MS,
            settleMs: system.config.commandTimeoutMs + 5_000,
          },
          log,
        ),
      );
    }
  }

  start(): void {
    for (const m of this.monitors.values()) m.start();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.monitors.values()].map((m) => m.stop()));
    await Promise.allSettled([...this.submissions.values(), ...this.stops.values()]);
  }

  monitor(systemId: string): SystemMonitor | undefined {
    return this.monitors.get(systemId);
  }

  async submit(caller: Caller, params: SubmitJobParams): Promise<JobRecord> {
    const system = this.systems.get(params.execSystemId);
    if (!system) throw new UnknownSystemError(params.execSystemId);
    if (this.stopping) {
      throw new SchedulerUnavailableError(params.execSystemId, 'the gateway is shutting down');
    }
    const now = new Date().toISOString();
    const job: JobRecord = {
      id: randomUUID(),
      name: params.name,
      owner: caller.username,
      execSystemId: params.execSystemId,
      status: 'PROCESSING_INPUTS',
      condition: null,
      lastMessage: 'accepted; handing the job to Slurm',
      remoteJobId: null,
      remoteState: null,
      remoteReason: null,
      remoteDone: false,
      exitCode: null,
      exitSignal: null,
      created: now,
      remoteSubmitted: null,
      remoteStarted: null,
      ended: null,
      lastUpdated: now,
      stopRequest: null,
      script: params.script ?? null,
      command: params.command ?? null,
      args: params.args,
      env: params.env,
      workingDir: params.workingDir ?? null,
      partition: params.partition ?? null,
      nodes: params.nodes ?? null,
      cpusPerTask: params.cpusPerTask ?? null,
      memoryMB: params.memoryMB ?? null,
      maxMinutes: params.maxMinutes ?? null,
      tags: params.tags,
      description: params.description ?? null,
    };
    system.scheduler.check(toSpec(job), system.config.partitions);
    await this.store.create(job, {
      event: 'JOB_CREATED',
      actor: caller.username,
      description: `job accepted for ${params.execSystemId}`,
    });
    this.startSubmission(job);
    return job;
  }

  async get(caller: Caller, jobId: string): Promise<JobRecord> {
    const job = await this.store.get(jobId);
    if (!job || (job.owner !== caller.username && !caller.isAdmin)) {
      throw new JobNotFoundError(jobId);
    }
    return job;
  }

  async history(caller: Caller, jobId: string): Promise<JobEvent[]> {
    await this.get(caller, jobId);
    return this.store.history(jobId);
  }

  list(caller: Caller, filter: ListJobsFilter): Promise<JobPage> {
    return this.store.list(caller.username, filter);
  }

  /**
   * Stops a job as `mode` says. Resolves to the job as it is once the stop was carried out (and,
   * with `waitMs`, once it ended or the time ran out).
   */
  async requestStop(
    caller: Caller,
    jobId: string,
    mode: StopMode,
    waitMs?: number,
  ): Promise<JobRecord> {
    let job = await this.get(caller, jobId);
    if (isTerminal(job.status)) throw new JobNotCancellableError(job.id, job.status);
    if ((mode === 'interrupt' || mode === 'force-stop') && job.status === 'PENDING') {
      // Our PENDING may be a poll old: ask Slurm before turning these into a plain cancel.
      await this.monitors.get(job.execSystemId)?.refresh();
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

  /**
   * Stops every job of the caller that the selector names (or, with `whatIf`, says what it would
   * stop). One result per matched job; matching nothing is an empty list.
   */
  async stopMany(
    caller: Caller,
    selector: JobSelector,
    mode: StopMode,
    whatIf: boolean,
  ): Promise<StopJobResult[]> {
    const jobs = await this.store.select(caller.username, selector);
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
        const after = await this.requestStop(caller, job.id, mode);
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
    const recorded = await this.apply(jobId, {
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
      expectStatus: ['PROCESSING_INPUTS', 'PENDING', 'RUNNING'],
    });
    if (!recorded) {
      const now = (await this.store.get(jobId))!;
      throw new JobNotCancellableError(jobId, now.status);
    }
    // A submission in flight finishes first: the id sbatch returns is then stopped at once.
    const submitting = this.submissions.get(jobId);
    if (submitting) await submitting;
    const current = (await this.store.get(jobId))!;
    if (isTerminal(current.status)) return;
    const monitor = this.monitors.get(current.execSystemId)!;

    if (mode === 'terminate') {
      await this.apply(jobId, {
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
      ({ sentAt } = await system.scheduler.signal([job.remoteJobId!], mode));
    } catch (err) {
      const message = (err as Error).message;
      const latest = (await this.store.get(jobId))!;
      // Recorded once: a stop retried every poll cycle while the system is down adds nothing new.
      if (latest.stopRequest?.outcome === 'REQUESTED') {
        await this.apply(jobId, {
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
    await this.apply(jobId, {
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

  // --- MonitorHost ---

  async apply(jobId: string, change: JobChange): Promise<JobRecord | undefined> {
    const job = await this.store.update(jobId, change);
    if (job) this.events.changed(job);
    return job;
  }

  isSubmitting(jobId: string): boolean {
    return this.submissions.has(jobId);
  }

  isSignalling(jobId: string): boolean {
    return this.signalling.has(jobId);
  }

  resumeSubmission(job: JobRecord): void {
    if (!this.submissions.has(job.id)) this.startSubmission(job);
  }

  /** A stop that was recorded but not (or not successfully) sent: send it now. */
  resumeStop(job: JobRecord): void {
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

  private startSubmission(job: JobRecord): void {
    if (this.stopping) return;
    const run = this.submitToScheduler(job)
      .catch((err: Error) =>
        this.log.error({ jobId: job.id, err: err.message }, 'submission crashed'),
      )
      .finally(() => this.submissions.delete(job.id));
    this.submissions.set(job.id, run);
  }

  private async submitToScheduler(job: JobRecord): Promise<void> {
    const system = this.systems.get(job.execSystemId)!;
    const fresh = (await this.store.get(job.id))!;
    if (fresh.status !== 'PROCESSING_INPUTS') return;
    if (fresh.stopRequest) {
      // Stopped before it reached Slurm: it never will.
      await this.apply(job.id, {
        steps: [{ status: 'CANCELLED', description: 'stopped before it was handed to Slurm' }],
        patch: {
          condition:
            fresh.stopRequest.mode === 'terminate' ? 'TERMINATED_BY_USER' : 'CANCELLED_BY_USER',
          ended: new Date().toISOString(),
          remoteDone: true,
          stopRequest: {
            ...fresh.stopRequest,
            outcome: 'CONFIRMED',
            message: 'never reached Slurm',
          },
        },
        expectStatus: ['PROCESSING_INPUTS'],
      });
      return;
    }
    let remoteJobId: string;
    try {
      remoteJobId = await system.scheduler.submit(toSpec(fresh));
      this.submitAttempts.delete(job.id);
    } catch (err) {
      const message = (err as Error).message;
      const attempts = (this.submitAttempts.get(job.id) ?? 0) + 1;
      this.submitAttempts.set(job.id, attempts);
      // sbatch answered and refused: final. No answer (timeout, dropped connection): the job may
      // be queued all the same, so the monitor looks for its tag before submitting again.
      const refused = err instanceof SchedulerCommandError && err.exitCode !== null;
      if (!refused && attempts < MAX_SUBMIT_ATTEMPTS) {
        this.log.warn({ jobId: job.id, err: message, attempts }, 'submission outcome unknown');
        await this.apply(job.id, {
          patch: {
            lastMessage: `submission outcome unknown (${message}); will look for it in Slurm`,
          },
          expectStatus: ['PROCESSING_INPUTS'],
        });
        return;
      }
      this.submitAttempts.delete(job.id);
      this.log.warn({ jobId: job.id, err: message }, 'submission failed');
      await this.apply(job.id, {
        steps: [{ status: 'FAILED', description: `submission failed: ${message}` }],
        patch: {
          condition: 'SUBMISSION_FAILED',
          lastMessage: message,
          ended: new Date().toISOString(),
          remoteDone: true,
        },
        expectStatus: ['PROCESSING_INPUTS'],
      });
      return;
    }
    await this.apply(job.id, {
      steps: [{ status: 'PENDING', description: `queued by Slurm as job ${remoteJobId}` }],
      patch: {
        remoteJobId,
        remoteSubmitted: new Date().toISOString(),
        lastMessage: `submitted to Slurm as job ${remoteJobId}`,
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
    this.monitors.get(job.execSystemId)?.trigger();
  }
}

function toSpec(job: JobRecord): BatchJobSpec {
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
  };
}
