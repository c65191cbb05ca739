import {
  type EscalationStep,
  isTerminal,
  type Job,
  type JobEvent,
  type JobList,
  type JobSelector,
  type JobStatus,
  type JobTasks,
  jobHistoryResponseSchema,
  jobListResponseSchema,
  jobSchema,
  jobStatusResponseSchema,
  type ListJobsQuery,
  type OutputEntry,
  type OutputList,
  type ResubmitJobRequest,
  type StopJobsResponse,
  type StopMode,
  type SubmitJobRequest,
  stopJobsResponseSchema,
} from '@hpcgate/contract';
import { AbortError, TimeoutError } from '../core/errors.js';
import type { RequestCore } from '../core/request.js';
import type { CallOptions } from './call-options.js';
import { JobEventStream, type JobEventsOptions, type JobEventsSelector } from './job-events.js';
import { type FollowLogsOptions, JobLogStream } from './job-logs.js';
import {
  type DownloadedFile,
  type DownloadOutputOptions,
  type DownloadOutputToFileOptions,
  JobOutputs,
  type ListOutputOptions,
  type OutputDownload,
} from './job-output.js';
import {
  type GetJobTasksOptions,
  getJobTasks,
  type ListAllTasksOptions,
  listAllTasks,
} from './job-tasks.js';
import { pollJob, type ReadJob, type WaitSpec, watchJobEvents } from './job-waiting.js';

export type { CallOptions };

export interface WaitForJobOptions extends CallOptions {
  jobId: string;
  /** States that end the wait; default: the terminal ones. */
  until?: JobStatus[];
  /** Give up (TimeoutError) after this long; default: wait for ever. */
  timeoutMs?: number;
  /**
   * Called with the job each time it is read, e.g. to show progress: after each poll, or (on
   * the event stream) once at the start and after an event that may end the wait.
   */
  onPoll?: (job: Job) => void;
  /**
   * `auto` (default): follow the job's event stream, and poll if the gateway has none (404
   * ROUTE_NOT_FOUND), the caller has too many open (429 TOO_MANY_STREAMS) or it cannot be opened; `events`: the stream only; `poll`: poll only.
   */
  via?: 'auto' | 'events' | 'poll';
}

export interface CancelJobOptions extends CallOptions {
  jobId: string;
  /** Default `cancel` (docs/stopping.md). */
  mode?: StopMode;
  /**
   * Seconds to wait for the job to end (any length; `Infinity`: no limit). Then the job is
   * returned as it is, ended or not; no TimeoutError.
   */
  wait?: number;
  /**
   * Stronger stops the gateway sends if Slurm still runs the job: one step
   * (`{ afterSeconds: 30, to: 'force-stop' }`) or up to three, each stronger than the one before
   * and each delay counted from the step before it (docs/stopping.md#escalation).
   */
  escalate?: EscalationStep | EscalationStep[];
  /** Only these tasks of a job array (`'5-9'`): cancel or interrupt them, the others go on. */
  tasks?: string;
}

/** The longest the gateway holds a cancel's answer (`wait` in the contract). */
const GATEWAY_MAX_WAIT_S = 300;
/** A cancel that the gateway holds gets this long beyond its wait to answer. */
const HELD_ANSWER_SLACK_S = 30;

/** `client.jobs`: the job API, named as tapipy names it. */
export class Jobs {
  private readonly outputs: JobOutputs;
  private readonly read: ReadJob = (jobId, signal) => this.getJob({ jobId, signal });

  constructor(private readonly core: RequestCore) {
    this.outputs = new JobOutputs(core);
  }

  /**
   * Submits a job. With `exclusive: true` (or an `exclusiveKey`) it is a singleton: while a job of
   * yours holding the same key has not ended, this rejects with ConflictError, code
   * JOB_ALREADY_RUNNING, `err.job` naming that job (id, name, status, since).
   */
  async submitJob(request: SubmitJobRequest, options: CallOptions = {}): Promise<Job> {
    const { data } = await this.core.request({
      method: 'POST',
      path: '/v3/jobs/submit',
      body: request,
      signal: options.signal,
      schema: jobSchema,
    });
    return data;
  }

  /**
   * A new job from one of yours (in any status), with any submit field replaced: the new job's
   * `resubmittedFrom` names the old one, whose `resubmittedAs` names the new one. The same checks
   * as a submit (a singleton still running rejects with ConflictError).
   */
  async resubmitJob({
    jobId,
    signal,
    ...overrides
  }: { jobId: string } & ResubmitJobRequest & CallOptions): Promise<Job> {
    const { data } = await this.core.request({
      method: 'POST',
      path: `/v3/jobs/${encodeURIComponent(jobId)}/resubmit`,
      body: overrides,
      signal,
      schema: jobSchema,
    });
    return data;
  }

  /** Leaves the job out of `getJobList` (unless `includeHidden`); it is otherwise unchanged. */
  async hideJob({ jobId, signal }: { jobId: string } & CallOptions): Promise<Job> {
    return this.setHidden(jobId, 'hide', signal);
  }

  /** Shows a hidden job in `getJobList` again. */
  async unhideJob({ jobId, signal }: { jobId: string } & CallOptions): Promise<Job> {
    return this.setHidden(jobId, 'unhide', signal);
  }

  private async setHidden(
    jobId: string,
    verb: 'hide' | 'unhide',
    signal: AbortSignal | undefined,
  ): Promise<Job> {
    const { data } = await this.core.request({
      method: 'POST',
      path: `/v3/jobs/${encodeURIComponent(jobId)}/${verb}`,
      body: {},
      signal,
      schema: jobSchema,
    });
    return data;
  }

  async getJob({ jobId, signal }: { jobId: string } & CallOptions): Promise<Job> {
    const { data } = await this.core.request({
      method: 'GET',
      path: `/v3/jobs/${encodeURIComponent(jobId)}`,
      signal,
      schema: jobSchema,
    });
    return data;
  }

  async getJobStatus({ jobId, signal }: { jobId: string } & CallOptions) {
    const { data } = await this.core.request({
      method: 'GET',
      path: `/v3/jobs/${encodeURIComponent(jobId)}/status`,
      signal,
      schema: jobStatusResponseSchema,
    });
    return data;
  }

  async getJobHistory({ jobId, signal }: { jobId: string } & CallOptions): Promise<JobEvent[]> {
    const { data } = await this.core.request({
      method: 'GET',
      path: `/v3/jobs/${encodeURIComponent(jobId)}/history`,
      signal,
      schema: jobHistoryResponseSchema,
    });
    return data.events;
  }

  /** One page of the caller's jobs, newest first. */
  async getJobList(filters: ListJobsQuery = {}, options: CallOptions = {}): Promise<JobList> {
    const query: Record<string, unknown> = { ...filters };
    for (const k of ['status', 'tags'] as const) {
      const v = filters[k];
      if (Array.isArray(v)) query[k] = v.join(',');
    }
    const { data } = await this.core.request({
      method: 'GET',
      path: '/v3/jobs/list',
      query,
      signal: options.signal,
      schema: jobListResponseSchema,
    });
    return data;
  }

  /** Every matching job, page after page: `for await (const job of client.jobs.listAll())`. */
  async *listAll(
    filters: Omit<ListJobsQuery, 'cursor'> = {},
    options: CallOptions = {},
  ): AsyncGenerator<Job> {
    let cursor: string | undefined;
    do {
      const page = await this.getJobList({ ...filters, ...(cursor ? { cursor } : {}) }, options);
      yield* page.jobs;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /**
   * Asks the gateway to stop a job. Resolves to the job as it is then: still running while the
   * stop takes effect (check `status`), or ended. With `wait`, it waits up to that many seconds
   * for the end and resolves to the job as it is then. A job that had already ended rejects with
   * ConflictError (`err.job.status`).
   *
   * How it waits: it opens the job's event stream first (so no change is missed), sends the
   * cancel, and reads the job once an event says it ended. Where the stream cannot be had (no
   * route, too many open, no connection, any other failure to open it), the gateway holds the
   * answer instead (up to 300 s), and the rest is polled; the cancel is sent either way.
   *
   * `mode: 'drain'` starts nothing new and lets what runs finish: the job stays RUNNING
   * (`stopRequest.outcome` DRAINING) until its running tasks end. `escalate` is sent with the
   * cancel whichever way the wait goes; the gateway carries it out, so a wait simply lasts until
   * the job ended, by whichever step ended it.
   */
  async cancelJob({ jobId, mode, escalate, tasks, wait, signal }: CancelJobOptions): Promise<Job> {
    // How to stop goes with every cancel sent below, whichever way the wait goes.
    const stop = { mode, escalate, tasks };
    if (!wait) return this.sendCancel({ jobId, ...stop, wait, signal });
    const spec: WaitSpec = { jobId, done: isTerminal, deadline: Date.now() + wait * 1000, signal };
    const watch = watchJobEvents(this.core, this.read, spec);
    if (!(await watch.listening)) {
      // Only an abort stops the cancel from being sent; a stream that failed is replaced.
      await watch.outcome.catch((err: unknown) => {
        if (err instanceof AbortError) throw err;
      });
      return this.cancelHeldByGateway(spec, stop);
    }
    let accepted: Job;
    try {
      accepted = await this.sendCancel({ jobId, ...stop, signal });
    } catch (err) {
      watch.stop();
      throw err;
    }
    if (isTerminal(accepted.status)) {
      watch.stop();
      return accepted;
    }
    // The stop was accepted: whatever becomes of the stream now, the wait goes on by polling.
    const outcome = await watch.outcome.catch((err: unknown) => {
      if (err instanceof AbortError) throw err;
      return { kind: 'fallback' } as const;
    });
    if (outcome.kind === 'done') return outcome.job;
    if (outcome.kind === 'timeout') return this.getJob({ jobId, signal });
    return (await pollJob(this.read, spec, accepted)).job;
  }

  /** The cancel with the gateway holding its answer until the end, then polling the rest. */
  private async cancelHeldByGateway(
    spec: WaitSpec,
    stop: Pick<CancelJobOptions, 'mode' | 'escalate' | 'tasks'>,
  ): Promise<Job> {
    const { jobId, deadline, signal } = spec;
    // What is left of the caller's wait, to the millisecond (opening the stream took some).
    const left = Math.max(0, Math.round(deadline - Date.now()) / 1000);
    const wait = Math.min(left, GATEWAY_MAX_WAIT_S);
    const job = await this.sendCancel({ jobId, ...stop, wait, signal });
    return (await pollJob(this.read, spec, job)).job;
  }

  private async sendCancel({
    jobId,
    mode,
    escalate,
    tasks,
    wait,
    signal,
  }: CancelJobOptions): Promise<Job> {
    const { data } = await this.core.request({
      method: 'POST',
      path: `/v3/jobs/${encodeURIComponent(jobId)}/cancel`,
      body: {
        ...(mode ? { mode } : {}),
        ...(escalate !== undefined ? { escalate } : {}),
        ...(tasks !== undefined ? { tasks } : {}),
        ...(wait !== undefined ? { wait } : {}),
      },
      signal,
      schema: jobSchema,
      ...(wait ? { timeoutMs: (wait + HELD_ANSWER_SLACK_S) * 1000 } : {}),
    });
    return data;
  }

  /**
   * Stops every job the selector names (or, with whatIf, lists them). `status` says whether
   * anything was running: STOPPED (WOULD_STOP) or NO_JOBS_RUNNING, a success too, with `message`
   * naming the selector; `results` has one entry per matched job.
   */
  async stopJobs({
    selector,
    mode,
    whatIf,
    signal,
  }: {
    selector: JobSelector;
    mode?: StopMode;
    whatIf?: boolean;
  } & CallOptions): Promise<StopJobsResponse> {
    const { data } = await this.core.request({
      method: 'POST',
      path: '/v3/jobs/stop',
      body: { selector, ...(mode ? { mode } : {}), ...(whatIf !== undefined ? { whatIf } : {}) },
      signal,
      schema: stopJobsResponseSchema,
    });
    return data;
  }

  /**
   * History events as they are written, as an async iterable that resumes after a dropped
   * connection: `for await (const e of client.jobs.events({ jobId }))` ends with the job (then
   * `stream.end` says how); `client.jobs.events({ status: ['FAILED'] })` never ends on its own.
   */
  events(selector: JobEventsSelector, options: JobEventsOptions = {}): JobEventStream {
    return new JobEventStream(this.core, selector, options);
  }

  /**
   * Waits until the job reaches one of `until` (default: a terminal state) and returns it as
   * `getJob` reads it then: told by the job's event stream, or polling (with backoff) where the
   * gateway has no stream.
   */
  async waitForJob(options: WaitForJobOptions): Promise<Job> {
    const { jobId, until, timeoutMs, signal, onPoll, via = 'auto' } = options;
    const done = (s: JobStatus) => (until ? until.includes(s) : isTerminal(s));
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    const spec: WaitSpec = { jobId, done, deadline, signal, onPoll };
    const late = (status: JobStatus | undefined) =>
      new TimeoutError(`job ${jobId} is still ${status} after ${timeoutMs} ms`);
    let first: Job | undefined;
    if (via !== 'poll') {
      first = await this.getJob({ jobId, signal });
      onPoll?.(first);
      if (done(first.status)) return first;
      const watch = watchJobEvents(this.core, this.read, { ...spec, via, status: first.status });
      const outcome = await watch.outcome;
      if (outcome.kind === 'done') return outcome.job;
      if (outcome.kind === 'timeout') throw late(outcome.status);
      // No stream here (or the job ended elsewhere than `until`): poll, the read above being the
      // first poll.
    }
    const { job, reached } = await pollJob(this.read, spec, first);
    if (!reached) throw late(job.status);
    return job;
  }

  /**
   * One page of a job array's tasks, by index (`limit`, `skip`), with the counts of all of them
   * (`summary`); a job of one part has none.
   */
  async getJobTasks(options: GetJobTasksOptions): Promise<JobTasks> {
    return getJobTasks(this.core, options);
  }

  /** Every page of the tasks: `for await (const page of client.jobs.listAllTasks({ jobId }))`. */
  listAllTasks(options: ListAllTasksOptions): AsyncGenerator<JobTasks> {
    return listAllTasks(this.core, options);
  }

  /** One page of a directory of the job's files (`path`, default the job directory), by name. */
  async listOutput(options: ListOutputOptions): Promise<OutputList> {
    return this.outputs.list(options);
  }

  /** Every entry of the directory, page after page: `for await (const e of …listAllOutput(…))`. */
  listAllOutput(options: Omit<ListOutputOptions, 'skip'>): AsyncGenerator<OutputEntry> {
    return this.outputs.listAll(options);
  }

  /**
   * One of the job's files (or a `range` of its bytes) as a Node stream, never held in memory
   * whole; opened through the same core as every call (auth, retries until the first byte, error
   * classes: 404 NotFoundError, 409 JOB_NOT_FINISHED ConflictError, 413 OUTPUT_TOO_LARGE and 416
   * RANGE_NOT_SATISFIABLE APIError). A failure while reading is the stream's error.
   */
  async downloadOutput(options: DownloadOutputOptions): Promise<OutputDownload> {
    return this.outputs.download(options);
  }

  /** The file (or range) written to `file` through a temporary file: no partial file on failure. */
  async downloadOutputToFile(options: DownloadOutputToFileOptions): Promise<DownloadedFile> {
    return this.outputs.downloadToFile(options);
  }

  /**
   * The job's stdout (or stderr) line by line, with byte offsets, as it is written
   * (`follow`, the default) or as far as it is written now; see JobLogStream.
   */
  followLogs(options: FollowLogsOptions): JobLogStream {
    return new JobLogStream(this.core, options);
  }
}
