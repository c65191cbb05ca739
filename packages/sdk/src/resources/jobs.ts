import {
  type CancelJobRequest,
  isTerminal,
  type Job,
  type JobEvent,
  type JobList,
  type JobSelector,
  type JobStatus,
  jobHistoryResponseSchema,
  jobListResponseSchema,
  jobSchema,
  jobStatusResponseSchema,
  type ListJobsQuery,
  type StopJobsResponse,
  type StopMode,
  type SubmitJobRequest,
  stopJobsResponseSchema,
} from '@hpcgate/contract';
import {
  AbortError,
  ConnectionError,
  HpcgateError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
} from '../core/errors.js';
import { type RequestCore, sleep } from '../core/request.js';
import { JobEventStream, type JobEventsOptions, type JobEventsSelector } from './job-events.js';

export interface CallOptions {
  signal?: AbortSignal;
}

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

const POLL_MIN_MS = 250;
const POLL_MAX_MS = 5_000;

/** `client.jobs`: the job API, named as tapipy names it. */
export class Jobs {
  constructor(private readonly core: RequestCore) {}

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
   * stop takes effect (check `status`), or ended when `wait` (seconds) was given and it ended in
   * time. A job that had already ended rejects with ConflictError (`err.job.status`).
   */
  async cancelJob({
    jobId,
    mode,
    wait,
    signal,
  }: { jobId: string } & CancelJobRequest & CallOptions): Promise<Job> {
    const { data } = await this.core.request({
      method: 'POST',
      path: `/v3/jobs/${encodeURIComponent(jobId)}/cancel`,
      body: { ...(mode ? { mode } : {}), ...(wait !== undefined ? { wait } : {}) },
      signal,
      schema: jobSchema,
      ...(wait ? { timeoutMs: (wait + 30) * 1000 } : {}),
    });
    return data;
  }

  /** Stops every job the selector names (or, with whatIf, lists them). */
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
    if (via === 'poll') return this.poll(jobId, done, deadline, options);
    const job = await this.getJob({ jobId, signal });
    onPoll?.(job);
    if (done(job.status)) return job;
    const found = await this.waitByEvents(job, done, deadline, options);
    // No stream here (or the job ended elsewhere than `until`): poll as before, the read above
    // being the first poll.
    return found ?? this.poll(jobId, done, deadline, options, job);
  }

  /**
   * The job once an event says it reached `done`; undefined when the gateway has no stream, or
   * the stream ended without `done` (polling then decides).
   */
  private async waitByEvents(
    initial: Job,
    done: (s: JobStatus) => boolean,
    deadline: number,
    { timeoutMs, signal, onPoll, via }: WaitForJobOptions,
  ): Promise<Job | undefined> {
    const jobId = initial.id;
    let status = initial.status;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) controller.abort();
    let timedOut = false;
    const timer = Number.isFinite(deadline)
      ? setTimeout(
          () => {
            timedOut = true;
            controller.abort();
          },
          Math.max(0, deadline - Date.now()),
        )
      : undefined;
    const stream = new JobEventStream(
      this.core,
      { jobId },
      { signal: controller.signal, firstOpenRetries: via === 'events' ? undefined : 0 },
    );
    try {
      for await (const event of stream) {
        status = event.status;
        if (!done(event.status)) continue;
        const job = await this.getJob({ jobId, signal: controller.signal });
        onPoll?.(job);
        status = job.status;
        if (done(job.status)) return job;
      }
      return undefined;
    } catch (err) {
      if (timedOut && err instanceof HpcgateError && !(signal?.aborted ?? false)) {
        throw new TimeoutError(`job ${jobId} is still ${status} after ${timeoutMs} ms`);
      }
      if (err instanceof AbortError) throw err;
      // No stream route, none to be had (the per-user bound on open streams), or no connection.
      const unavailable =
        !stream.connected &&
        (err instanceof ConnectionError ||
          (err instanceof NotFoundError && err.code === 'ROUTE_NOT_FOUND') ||
          (err instanceof RateLimitError && err.code === 'TOO_MANY_STREAMS'));
      if (unavailable && via !== 'events') return undefined;
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Polls (with backoff) until the job reaches `done`. */
  private async poll(
    jobId: string,
    done: (s: JobStatus) => boolean,
    deadline: number,
    { timeoutMs, signal, onPoll }: WaitForJobOptions,
    first?: Job,
  ): Promise<Job> {
    let delay = POLL_MIN_MS;
    let read = first;
    for (;;) {
      const job = read ?? (await this.getJob({ jobId, signal }));
      read = undefined;
      if (job !== first) onPoll?.(job);
      if (done(job.status)) return job;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new TimeoutError(`job ${jobId} is still ${job.status} after ${timeoutMs} ms`);
      }
      await sleep(Math.min(delay, left), signal);
      delay = Math.min(delay * 1.5, POLL_MAX_MS);
    }
  }
}
