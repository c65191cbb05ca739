import { randomUUID } from 'node:crypto';
import type {
  EscalationStep,
  JobEvent,
  JobSelector,
  ListJobsFilter,
  ResubmitJobOverrides,
  StopJobsResponse,
  StopMode,
  SubmitJobParams,
} from '@hpcgate/contract';
import { arrayIndices, isTerminal, type JobTasks } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { Coordination } from '../coordination/coordination.js';
import type { JobLocks } from '../coordination/job-locks.js';
import { pollLeaseName } from '../coordination/leases.js';
import { InvalidJobRequestError, JobNotFoundError, UnknownSystemError } from '../domain/errors.js';
import { TooManyActiveJobsError } from '../domain/limit-errors.js';
import { exclusiveKeyOf, JobAlreadyRunningError, keyHolder } from '../domain/singleton.js';
import { SchedulerUnavailableError } from '../scheduler/errors.js';
import {
  type JobPage,
  type JobRecord,
  type JobStore,
  RequestKeyTakenError,
  type WatchedJob,
} from '../store/job-store.js';
import { summarize } from './array-outcome.js';
import { type Caller, ownerScope } from './caller.js';
import { clusterAccount, jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import { JobEvents } from './job-events.js';
import { JobWriter } from './job-writer.js';
import { Monitors } from './monitors.js';
import { refreshPhaseTasks } from './phase-record.js';
import { PollRequests } from './poll-requests.js';
import { Reconciler } from './reconciler.js';
import { resubmitParams } from './resubmission.js';
import { summarizeStop } from './stop-summary.js';
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
  private readonly locks: JobLocks;
  private readonly polls: PollRequests;
  private readonly writer: JobWriter;
  private readonly submitter: Submitter;
  private readonly stopper: Stopper;
  private readonly unsubscribe: Array<() => void> = [];
  /** Jobs another replica changed, being read back (one read per job however many messages). */
  private readonly reading = new Set<string>();

  constructor(
    private readonly store: JobStore,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly limits: { maxActiveJobsPerUser: number },
    private readonly coordination: Coordination,
    private readonly log: FastifyBaseLogger,
  ) {
    this.locks = coordination.locks;
    const bus = coordination.bus;
    const longestCommandMs = Math.max(
      0,
      ...[...systems.values()].map((s) => s.config.commandTimeoutMs),
    );
    this.polls = new PollRequests(this.monitors, bus, longestCommandMs + 5_000);
    this.events.relayTo((jobId) => bus.publish({ type: 'jobs', ids: [jobId] }));
    this.writer = new JobWriter(store, this.events);
    this.submitter = new Submitter(store, this.writer, systems, this.locks, this.polls, log);
    this.stopper = new Stopper(
      store,
      this.writer,
      this.events,
      systems,
      this.locks,
      this.polls,
      log,
    );
    for (const [id, system] of systems) {
      const accountOf = (job: WatchedJob) => jobAccount(job, system);
      const lease = coordination.lease(pollLeaseName(id));
      const reconciler = new Reconciler(
        id,
        this.writer.fencedBy(lease),
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
          lease,
        ),
      );
    }
  }

  start(): void {
    const bus = this.coordination.bus;
    this.unsubscribe.push(
      bus.subscribe((message) => {
        if (message.type === 'jobs') for (const id of message.ids) this.readBack(id);
        else this.polls.receive(message);
      }),
      bus.onResync(() => {
        for (const id of this.events.followed()) this.readBack(id);
        this.events.wakeAll();
      }),
    );
    this.monitors.start();
  }

  /** Takes no new submissions, stops polling, and waits for what is under way. */
  async close(): Promise<void> {
    for (const stop of this.unsubscribe.splice(0)) stop();
    this.submitter.close();
    await this.monitors.close();
    await this.locks.settle();
  }

  monitor(systemId: string): SystemMonitor | undefined {
    return this.monitors.get(systemId);
  }

  /** Whether this replica polls the system now (holds its poll lease). */
  pollsSystem(systemId: string): boolean {
    return this.monitors.polls(systemId);
  }

  /** Another replica changed the job: read it back, and everyone here who follows it hears. */
  private readBack(jobId: string): void {
    // Only those who follow it need the read: a stream of every job, or a waiter on this one.
    if (this.events.listenerCount() === 0 && this.events.listenerCount(jobId) === 0) return;
    if (this.reading.has(jobId)) return;
    this.reading.add(jobId);
    this.store
      .get(jobId)
      .then(
        (job) => job && this.events.heard(job),
        (err: Error) => this.log.warn({ jobId, err: err.message }, 'could not read a changed job'),
      )
      .finally(() => this.reading.delete(jobId));
  }

  /**
   * `from`: the job this one is a resubmission of (the caller's own). `requestKey`: the request's
   * Idempotency-Key: a job it already created is the answer (its first answer may never have been
   * stored: the gateway that took it died, or is another replica still at work).
   */
  async submit(
    caller: Caller,
    params: SubmitJobParams,
    from?: JobRecord,
    requestKey?: string,
  ): Promise<JobRecord> {
    const system = this.systems.get(params.execSystemId);
    if (!system) throw new UnknownSystemError(params.execSystemId);
    if (requestKey !== undefined) {
      const made = await this.createdFor(caller, requestKey);
      if (made) return made;
    }
    if (this.submitter.isClosed) {
      throw new SchedulerUnavailableError(params.execSystemId, 'the gateway is shutting down');
    }
    // Before anything is stored: a caller without an account on the system leaves no trace there.
    const remoteUser = await clusterAccount(system, caller);
    // Before the cap: a second singleton is told which job runs, not that there are too many.
    // The insert checks again (a unique index): of concurrent submits, exactly one gets the key.
    const exclusiveKey = exclusiveKeyOf(params);
    const holder =
      exclusiveKey && (await this.store.exclusiveHolder(caller.username, exclusiveKey));
    if (holder) throw new JobAlreadyRunningError(keyHolder(holder));
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
      exclusiveKey,
      hidden: false,
      resubmittedFrom: from?.id ?? null,
      resubmittedAs: null,
      array: params.array ?? null,
      phases: params.phases ?? null,
      tasks: params.array
        ? summarize(arrayIndices(params.array.indices)?.length ?? 0, [])
        : params.phases
          ? summarize(params.phases.length, [])
          : null,
    };
    system.scheduler.check(toSpec(job), system.config.partitions);
    const accepted = `job accepted for ${params.execSystemId}, to run as ${remoteUser}`;
    try {
      await this.store.create(
        job,
        {
          event: 'JOB_CREATED',
          actor: caller.username,
          description: from ? `${accepted}; resubmitted from job ${from.id}` : accepted,
        },
        {
          previousEvent: from && {
            event: 'RESUBMITTED_AS',
            actor: caller.username,
            description: `resubmitted as job ${job.id}`,
          },
          requestKey,
        },
      );
    } catch (err) {
      // The same key, at the same moment, on another replica: its job is the answer.
      if (err instanceof RequestKeyTakenError && requestKey !== undefined) {
        const made = await this.createdFor(caller, requestKey);
        if (made) return made;
      }
      throw err;
    }
    // Streams hear of a new job at once (JOB_CREATED), not with its next change.
    this.events.changed(job);
    if (from) {
      const linked = await this.store.get(from.id);
      if (linked) this.events.changed(linked);
    }
    this.submitter.start(job.id);
    return job;
  }

  private async createdFor(caller: Caller, requestKey: string): Promise<JobRecord | undefined> {
    const id = await this.store.jobForRequestKey(caller.username, requestKey);
    return id === undefined ? undefined : this.store.get(id);
  }

  /**
   * A new job from an old one's submit parameters with `overrides` in their place, through
   * {@link submit} and all its checks. Only the owner may (admins included: the new job would be
   * theirs, not the owner's); anyone else gets 404, as for reading a job they may not see.
   */
  async resubmit(
    caller: Caller,
    jobId: string,
    overrides: ResubmitJobOverrides,
    requestKey?: string,
  ): Promise<JobRecord> {
    const old = await this.own(caller, jobId);
    return this.submit(caller, resubmitParams(old, overrides), old, requestKey);
  }

  /** Leaves the job out of the owner's list (or puts it back); the job itself does not change. */
  async setHidden(caller: Caller, jobId: string, hidden: boolean): Promise<JobRecord> {
    await this.own(caller, jobId);
    const job = await this.store.setHidden(jobId, hidden);
    if (!job) throw new JobNotFoundError(jobId);
    return job;
  }

  /**
   * The caller's own job, for what only the owner may do (hide, resubmit): the list is always
   * the caller's own, so an admin has nothing to hide in another's. Else 404.
   */
  private async own(caller: Caller, jobId: string): Promise<JobRecord> {
    const job = await this.store.get(jobId);
    if (!job || job.owner !== caller.username) throw new JobNotFoundError(jobId);
    return job;
  }

  async get(caller: Caller, jobId: string): Promise<JobRecord> {
    const job = await this.store.get(jobId);
    if (!job || (job.owner !== caller.username && !caller.isAdmin)) {
      throw new JobNotFoundError(jobId);
    }
    return job;
  }

  /** One page of a job array's tasks, with their counts (a job of one part: none). */
  async tasks(
    caller: Caller,
    jobId: string,
    page: { skip: number; limit: number },
  ): Promise<JobTasks> {
    const job = await this.get(caller, jobId);
    if (job.phases) return this.phases(job, page);
    const summary = job.tasks ?? summarize(0, []);
    const tasks = job.tasks ? await this.store.tasks(jobId, page) : [];
    const more = page.skip + tasks.length < summary.total && tasks.length === page.limit;
    return { jobId, summary, tasks, nextSkip: more ? page.skip + tasks.length : null };
  }

  /**
   * A phased job's phases: as stored once the job is over (the log collector stores them then),
   * otherwise as the wrapper's record on the cluster says now (stored, with the counts).
   */
  private async phases(job: JobRecord, page: { skip: number; limit: number }): Promise<JobTasks> {
    const names = (job.phases ?? []).map((p) => p.name);
    let rows = isTerminal(job.status) ? await this.store.tasks(job.id, { skip: 0, limit: 64 }) : [];
    // Rows stored while it ran are not its last word: read the record once more.
    const final = rows.every((r) => r.status !== 'RUNNING' && r.status !== 'PENDING');
    if (rows.length === 0 || !final) rows = await refreshPhaseTasks(job, this.systems, this.store);
    const tasks = rows.slice(page.skip, page.skip + page.limit);
    const more = page.skip + tasks.length < rows.length;
    return {
      jobId: job.id,
      summary: summarize(names.length, rows),
      tasks,
      nextSkip: more ? page.skip + tasks.length : null,
    };
  }

  async history(caller: Caller, jobId: string): Promise<JobEvent[]> {
    await this.get(caller, jobId);
    return this.store.history(jobId);
  }

  list(caller: Caller, filter: ListJobsFilter): Promise<JobPage> {
    return this.store.list(ownerScope(caller, filter.owner, 'querystring.owner'), filter);
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
    escalate: readonly EscalationStep[] = [],
    tasks?: string,
  ): Promise<JobRecord> {
    const job = await this.get(caller, jobId);
    if (tasks !== undefined) checkTasks(job, tasks);
    return this.stopper.request(caller, job, mode, waitMs, escalate, tasks);
  }

  /**
   * Stops every job of the caller that the selector names (or, with `whatIf`, says what it would
   * stop). One result per matched job; matching nothing is an empty list, NO_JOBS_RUNNING.
   */
  async stopMany(
    caller: Caller,
    selector: JobSelector,
    mode: StopMode,
    whatIf: boolean,
  ): Promise<Omit<StopJobsResponse, 'mode' | 'whatIf'>> {
    const owner = ownerScope(caller, selector.owner, 'body.selector.owner');
    const jobs = await this.store.select(owner, selector);
    const results = await this.stopper.many(caller, jobs, mode, whatIf);
    return { ...summarizeStop(selector, mode, whatIf, results), results };
  }
}

/** A stop of some tasks names tasks of this job's array. */
function checkTasks(job: JobRecord, tasks: string): void {
  if (!job.array) {
    throw new InvalidJobRequestError(
      'body.tasks',
      `job ${job.id} is not a job array: stop it whole`,
    );
  }
  const mine = new Set(arrayIndices(job.array.indices) ?? []);
  const outside = (arrayIndices(tasks) ?? []).filter((i) => !mine.has(i));
  if (outside.length > 0) {
    throw new InvalidJobRequestError(
      'body.tasks',
      `job ${job.id} has no task ${outside.slice(0, 5).join(', ')} (its indices: ${job.array.indices})`,
    );
  }
}
