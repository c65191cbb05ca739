import { randomUUID } from 'node:crypto';
import type {
  JobEvent,
  JobSelector,
  ListJobsFilter,
  StopJobResult,
  StopMode,
  SubmitJobParams,
} from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import { JobNotFoundError, NotAllowedError, UnknownSystemError } from '../domain/errors.js';
import { TooManyActiveJobsError } from '../domain/limit-errors.js';
import { SchedulerUnavailableError } from '../scheduler/errors.js';
import type { JobPage, JobRecord, JobStore, WatchedJob } from '../store/job-store.js';
import type { Caller } from './caller.js';
import { clusterAccount, jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import { JobEvents } from './job-events.js';
import { InProcessJobLocks } from './job-locks.js';
import { JobWriter } from './job-writer.js';
import { Monitors } from './monitors.js';
import { Reconciler } from './reconciler.js';
import { Stopper } from './stopper.js';
import { Submitter, toSpec } from './submitter.js';
import { SystemMonitor } from './system-monitor.js';

const HOT_WINDOW_MS = 30_000;

/**
 * The job lifecycle as the routes see it: accepts jobs and hands them to the Submitter, reads
 * them, and hands stop requests to the Stopper. The way back (monitor → reconciler → writer) is
 * wired here and runs on its own.
 */
export class JobService {
  readonly events = new JobEvents();
  private readonly monitors = new Monitors();
  private readonly locks = new InProcessJobLocks();
  private readonly writer: JobWriter;
  private readonly submitter: Submitter;
  private readonly stopper: Stopper;

  constructor(
    private readonly store: JobStore,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly limits: { maxActiveJobsPerUser: number },
    log: FastifyBaseLogger,
  ) {
    this.writer = new JobWriter(store, this.events);
    this.submitter = new Submitter(store, this.writer, systems, this.locks, this.monitors, log);
    this.stopper = new Stopper(
      store,
      this.writer,
      this.events,
      systems,
      this.locks,
      this.monitors,
      log,
    );
    for (const [id, system] of systems) {
      const accountOf = (job: WatchedJob) => jobAccount(job, system);
      const reconciler = new Reconciler(
        id,
        this.writer,
        this.locks,
        this.stopper,
        this.submitter,
        accountOf,
        {
          settleMs: system.config.commandTimeoutMs + 5_000,
          lostAfterMs: system.config.lostJobAfterMs,
        },
        log,
      );
      this.monitors.add(
        id,
        new SystemMonitor(
          system.scheduler,
          store,
          reconciler,
          {
            fastMs: system.config.pollFastMs,
            idleMs: system.config.pollIdleMs,
            hotWindowMs: HOT_WINDOW_MS,
          },
          log,
          accountOf,
        ),
      );
    }
  }

  start(): void {
    this.monitors.start();
  }

  /** Takes no new submissions, stops polling, and waits for what is under way. */
  async close(): Promise<void> {
    this.submitter.close();
    await this.monitors.close();
    await this.locks.settle();
  }

  monitor(systemId: string): SystemMonitor | undefined {
    return this.monitors.get(systemId);
  }

  async submit(caller: Caller, params: SubmitJobParams): Promise<JobRecord> {
    const system = this.systems.get(params.execSystemId);
    if (!system) throw new UnknownSystemError(params.execSystemId);
    if (this.submitter.isClosed) {
      throw new SchedulerUnavailableError(params.execSystemId, 'the gateway is shutting down');
    }
    // Before anything is stored: a caller without an account on the system leaves no trace there.
    const remoteUser = await clusterAccount(system, caller);
    // Checked before the insert, not with it: concurrent submits may pass the cap by a few.
    const active = await this.store.countActive(caller.username);
    if (active >= this.limits.maxActiveJobsPerUser) {
      throw new TooManyActiveJobsError(caller.username, this.limits.maxActiveJobsPerUser);
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
      remoteUser,
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
      output: null,
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
      description: `job accepted for ${params.execSystemId}, to run as ${remoteUser}`,
    });
    // Streams hear of a new job at once (JOB_CREATED), not with its next change.
    this.events.changed(job);
    this.submitter.start(job.id);
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
    return this.stopper.request(caller, await this.get(caller, jobId), mode, waitMs);
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
    const owner = selector.owner ?? caller.username;
    if (owner !== caller.username && !caller.isAdmin) {
      throw new NotAllowedError('body.selector.owner', "only admins may stop other users' jobs");
    }
    const jobs = await this.store.select(owner, selector);
    return this.stopper.many(caller, jobs, mode, whatIf);
  }
}
