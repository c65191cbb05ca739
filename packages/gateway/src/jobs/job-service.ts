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
import { JobNotFoundError, UnknownSystemError } from '../domain/errors.js';
import { SchedulerUnavailableError } from '../scheduler/errors.js';
import type { JobChange, JobPage, JobRecord, JobStore } from '../store/job-store.js';
import type { Caller } from './caller.js';
import { clusterAccount, jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import { JobEvents } from './job-events.js';
import { JobWriter } from './job-writer.js';
import { Stopper } from './stopper.js';
import { Submitter, toSpec } from './submitter.js';
import { type MonitorHost, SystemMonitor } from './system-monitor.js';

const HOT_WINDOW_MS = 30_000;

/**
 * The job lifecycle: accepts jobs, hands them to their system's scheduler, stops them the way the
 * user asked, and keeps their state from the monitors' polls.
 */
export class JobService implements MonitorHost {
  readonly events = new JobEvents();
  private readonly monitors = new Map<string, SystemMonitor>();
  private readonly writer: JobWriter;
  private readonly submitter: Submitter;
  private readonly stopper: Stopper;

  constructor(
    private readonly store: JobStore,
    private readonly systems: Map<string, ExecutionSystem>,
    log: FastifyBaseLogger,
  ) {
    this.writer = new JobWriter(store, this.events);
    this.submitter = new Submitter(store, this.writer, systems, log, (id) =>
      this.monitors.get(id)?.trigger(),
    );
    this.stopper = new Stopper(
      store,
      this.writer,
      this.events,
      systems,
      this.submitter,
      (id) => this.monitors.get(id)!,
      log,
    );
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
          (job) => jobAccount(job, system),
        ),
      );
    }
  }

  start(): void {
    for (const m of this.monitors.values()) m.start();
  }

  async stop(): Promise<void> {
    const submissions = this.submitter.close();
    await Promise.all([...this.monitors.values()].map((m) => m.stop()));
    await Promise.all([submissions, this.stopper.settle()]);
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
    this.submitter.start(job);
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
    const jobs = await this.store.select(caller.username, selector);
    return this.stopper.many(caller, jobs, mode, whatIf);
  }

  // --- MonitorHost ---

  apply(jobId: string, change: JobChange): Promise<JobRecord | undefined> {
    return this.writer.apply(jobId, change);
  }

  isSubmitting(jobId: string): boolean {
    return this.submitter.isSubmitting(jobId);
  }

  isSignalling(jobId: string): boolean {
    return this.stopper.isSignalling(jobId);
  }

  resumeSubmission(job: JobRecord): void {
    this.submitter.start(job);
  }

  resumeStop(job: JobRecord): void {
    this.stopper.resume(job);
  }
}
