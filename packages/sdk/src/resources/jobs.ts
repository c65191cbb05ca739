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
import { TimeoutError } from '../core/errors.js';
import { type RequestCore, sleep } from '../core/request.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface WaitForJobOptions extends CallOptions {
  jobId: string;
  /** States that end the wait; default: the terminal ones. */
  until?: JobStatus[];
  /** Give up (TimeoutError) after this long; default: wait for ever. */
  timeoutMs?: number;
  /** Called with the job after each poll, e.g. to show progress. */
  onPoll?: (job: Job) => void;
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

  /** Polls (with backoff) until the job reaches one of `until` (default: a terminal state). */
  async waitForJob({ jobId, until, timeoutMs, signal, onPoll }: WaitForJobOptions): Promise<Job> {
    const done = (s: JobStatus) => (until ? until.includes(s) : isTerminal(s));
    const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let delay = POLL_MIN_MS;
    for (;;) {
      const job = await this.getJob({ jobId, signal });
      onPoll?.(job);
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
