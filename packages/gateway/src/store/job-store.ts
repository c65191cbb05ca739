import {
  type Job,
  type JobEvent,
  type JobOutputSummary,
  type JobSelector,
  type JobStatus,
  type JobTask,
  type ListJobsFilter,
  type LogStream,
  MAX_BULK_STOP,
  type TaskSummary,
} from '@hpcgate/contract';
import type { LeaseFence } from './fence.js';

export { MAX_BULK_STOP };

/** A job as the gateway keeps it: the API's job plus what only the gateway needs. */
export interface JobRecord extends Job {
  /** Slurm has confirmed the remote job ended (or it never reached Slurm). */
  remoteDone: boolean;
  /** The job's sbatch runs so far; absent until the first one starts. */
  submitAttempts?: SubmitAttempts;
}

/**
 * The sbatch runs of one job, as the Submitter records them (in the store, so that they outlive
 * the gateway): what its retries and its watch for late arrivals go by.
 */
export interface SubmitAttempts {
  /** Runs started, each counted before it starts: one a crash cut short counts too. */
  count: number;
  /**
   * Of those, the runs whose answer never came (a timeout, a dropped connection, a crash): each
   * may have queued the job after all, so Slurm is asked for its tag before any other run.
   */
  unanswered: number;
  /** When the first run started. */
  firstAt: string;
  /** When the last run started, or when the gateway stopped waiting for its answer. */
  lastAt: string;
}

/**
 * What a user gave at submission beyond name, system and tags: the script (up to 1 MiB), its
 * arguments and environment, and the resources asked for. Read only to submit the job or to show
 * it whole.
 */
export const SUBMIT_PARAM_KEYS = [
  'script',
  'command',
  'args',
  'env',
  'workingDir',
  'partition',
  'nodes',
  'cpusPerTask',
  'memoryMB',
  'maxMinutes',
  'description',
  'phases',
] as const satisfies readonly (keyof JobRecord)[];
export type SubmitParamKey = (typeof SUBMIT_PARAM_KEYS)[number];

/**
 * A job as the monitor sees it: its state, remote ids, account, tags and stop request, without the
 * submit parameters (what `watched()` returns every cycle must stay small whatever the scripts).
 * `store.get(id)` gives the whole record when one is needed (to submit it again, say).
 */
export type WatchedJob = Omit<JobRecord, SubmitParamKey>;

export type JobEventType = JobEvent['event'];

export interface NewJobEvent {
  event: JobEventType;
  actor: string | null;
  description: string;
  at?: string;
}

export interface StatusStep {
  status: JobStatus;
  description: string;
  actor?: string | null;
}

/** One change to a job, applied atomically with its history. */
export interface JobChange {
  /** Status changes in order; each is checked against the lifecycle and written to history. */
  steps?: StatusStep[];
  patch?: Partial<Omit<JobRecord, 'id' | 'owner' | 'status' | 'created'>>;
  events?: NewJobEvent[];
  /** Apply only if the job is in one of these statuses now; otherwise change nothing. */
  expectStatus?: readonly JobStatus[];
  /** Apply only if nothing changed the job since this `lastUpdated` (optimistic concurrency). */
  expectLastUpdated?: string;
  /** Apply only while this lease is the writer's (else FencedOutError): a poller's writes. */
  fence?: LeaseFence;
}

/**
 * At most this many jobs per list page (the contract's `limit` maximum), and a page stops growing
 * once its jobs' serialized size passes {@link LIST_PAGE_BYTES}: one page of jobs carrying 1 MiB
 * scripts would otherwise be a gigabyte. Either way `nextCursor` says where to go on.
 */
export const LIST_PAGE_BYTES = 1024 * 1024;

export interface JobPage {
  jobs: JobRecord[];
  nextCursor: string | null;
}

/**
 * A history event with the job it belongs to and its gateway-wide id: increasing in the order
 * events were written, never reused (what the all-jobs event stream resumes from).
 */
export interface StoredJobEvent extends JobEvent {
  id: number;
  jobId: string;
}

/** A pooled store's connections: open, idle, callers waiting for one, and the bound. */
export interface PoolState {
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** One owner's jobs, or (`null`) every owner's: what an admin may ask for. */
export type OwnerScope = string | null;

/** Which of an owner's events `eventsOf` returns (as `GET /v3/jobs/events` narrows them). */
export interface OwnerEventFilter {
  /** The event's status (the job's status once it was written) is one of these. */
  status?: JobStatus[];
  /** The job's name matches (`*` any run of characters). */
  name?: string;
  /** The job has every one of these tags. */
  tags?: string[];
}

/** A remembered answer to a POST that carried an Idempotency-Key. */
export interface IdempotentResponse {
  owner: string;
  key: string;
  /** Method, path and body of the first request: a reuse with anything else is refused. */
  fingerprint: string;
  statusCode: number;
  body: string;
  created: string;
}

/**
 * What the gateway saved of one of a job's logs: the last `content.length` bytes it had read of
 * it, starting at byte `start` of the log, which was `size` bytes long then. `final` once the job
 * ended; `periodic` while it ran (and after a terminate, which collects nothing).
 */
export interface SavedLog {
  jobId: string;
  stream: LogStream;
  kind: 'final' | 'periodic';
  at: string;
  start: number;
  size: number;
  content: Buffer;
}

/**
 * Where jobs and their history live. SQLite embedded by default; the interface is async so that a
 * PostgreSQL implementation can follow for several gateway replicas.
 */
export interface JobStore {
  /**
   * Stores a new job with its first event. A job with `exclusiveKey` is refused with
   * `JobAlreadyRunningError` (domain/singleton.ts) while another unfinished job of its owner
   * holds the key (by the insert itself: concurrent submits cannot both pass). A job with
   * `resubmittedFrom` sets that job's `resubmittedAs` and writes `previousEvent` to its history,
   * in the same transaction.
   */
  create(job: JobRecord, event: NewJobEvent, options?: CreateOptions): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  /** The job a submit under this Idempotency-Key created (see {@link CreateOptions.requestKey}). */
  jobForRequestKey(owner: string, key: string): Promise<string | undefined>;
  /** Resolves to the job after the change, or undefined when `expectStatus` did not hold. */
  update(id: string, change: JobChange): Promise<JobRecord | undefined>;
  /**
   * The owner's jobs, newest first, one page: at most `filter.limit` jobs and (after the first)
   * no more than about {@link LIST_PAGE_BYTES} of them; hidden jobs only with
   * `filter.includeHidden`. Throws {@link InvalidCursorError}.
   */
  list(owner: OwnerScope, filter: ListJobsFilter): Promise<JobPage>;
  history(id: string): Promise<JobEvent[]>;
  /** The job's events with `seq` above `afterSeq`, in order, at most `limit` of them. */
  historyAfter(id: string, afterSeq: number, limit: number): Promise<JobEvent[]>;
  /**
   * The events of `owner`'s jobs (only theirs, whoever asks) with a gateway-wide id above
   * `afterId`, in id order, at most `limit` of them.
   */
  eventsOf(
    owner: OwnerScope,
    afterId: number,
    filter: OwnerEventFilter,
    limit: number,
  ): Promise<StoredJobEvent[]>;
  /** The highest gateway-wide event id so far (0 before the first event). */
  lastEventId(): Promise<number>;
  /**
   * Every job of `owner` that the selector names, newest first. A criterion given empty selects
   * nothing. Throws {@link TooManyJobsSelectedError} when more than {@link MAX_BULK_STOP} match.
   */
  select(owner: OwnerScope, selector: JobSelector): Promise<JobRecord[]>;
  /**
   * Jobs of a system whose remote job may still exist, oldest first: what the monitor must watch.
   * Without the submit parameters.
   */
  watched(systemId: string): Promise<WatchedJob[]>;
  /** How many jobs the store holds in each status, every owner's (for metrics). */
  countByStatus(): Promise<Partial<Record<JobStatus, number>>>;
  /** How many of `owner`'s jobs have not ended (PROCESSING_INPUTS, PENDING or RUNNING). */
  countActive(owner: string): Promise<number>;
  /** The unfinished job of `owner` that holds the singleton key, if any. */
  exclusiveHolder(owner: string, exclusiveKey: string): Promise<JobRecord | undefined>;
  /**
   * Hides the job from its owner's list, or shows it again. Not a change of the job: no history,
   * `lastUpdated` unchanged (the monitor's next update of a running job must not look stale).
   * Resolves to the job, or undefined when there is none.
   */
  setHidden(id: string, hidden: boolean): Promise<JobRecord | undefined>;
  getIdempotentResponse(owner: string, key: string): Promise<IdempotentResponse | undefined>;
  /** Remembers an answer; the first one stored for a key wins. */
  putIdempotentResponse(response: IdempotentResponse): Promise<void>;
  /** Forgets answers older than `before` (ISO time). */
  pruneIdempotentResponses(before: string): Promise<number>;
  /**
   * Keeps copies of a job's logs (replacing those kept before) and sets the job's `output` to
   * `summary`, in one transaction. Not a change of the job: no history, `lastUpdated` unchanged
   * (a periodic copy must not make the monitor's next update of a running job look stale).
   */
  saveLogs(jobId: string, logs: readonly SavedLog[], summary: JobOutputSummary): Promise<void>;
  savedLog(jobId: string, stream: LogStream): Promise<SavedLog | undefined>;
  /** Writes a job array's tasks (the ones given, by index) and its counts, in one transaction. */
  saveTasks(jobId: string, tasks: readonly JobTask[], summary: TaskSummary): Promise<void>;
  /** One page of a job's tasks, by index. */
  tasks(jobId: string, page: { skip: number; limit: number }): Promise<JobTask[]>;
  /**
   * Retention: deletes, in one transaction, at most `limit` of the jobs that ended (FINISHED,
   * FAILED or CANCELLED, and Slurm done with them) before `before` (ISO time), the oldest ended
   * first, with all that is kept of them: history, tasks, saved logs, request keys. Resolves to
   * how many it deleted; fewer than `limit` when no more are due (or, on PostgreSQL, when the
   * others are being changed right now, or deleted by another gateway: it skips locked rows and
   * never waits for them). Gateway-wide event ids are never reused, whichever events go. A kept
   * job's `resubmittedFrom` or `resubmittedAs` may then name a job that no longer exists.
   */
  deleteEndedBefore(before: string, limit: number): Promise<number>;
  /** A cheap query that proves the store answers. */
  ping(): Promise<void>;
  /** The connections a pooled store holds now (for /readyz); null for an embedded one. */
  poolState(): PoolState | null;
  close(): Promise<void>;
}

export interface CreateOptions {
  /** With `job.resubmittedFrom`: written to that job's history, which then names this one. */
  previousEvent?: NewJobEvent;
  /**
   * The submit's Idempotency-Key, kept with the job in the same transaction: one job per owner
   * and key, whatever happened to the first request's answer (a gateway that died before storing
   * it, a retry on another replica). A second is refused with {@link RequestKeyTakenError}.
   */
  requestKey?: string;
}

/** A submit under an Idempotency-Key that already created a job: that job is the answer. */
export class RequestKeyTakenError extends Error {
  override name = 'RequestKeyTakenError';
  constructor(readonly jobId: string) {
    super(`this Idempotency-Key already created job ${jobId}`);
  }
}

/** A list cursor this gateway did not hand out (or one it cannot read). */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** A bulk stop's selector matches more jobs than one request may stop: narrow it. */
export class TooManyJobsSelectedError extends Error {
  override name = 'TooManyJobsSelectedError';
  constructor(
    /** How many jobs the selector matches. */
    readonly count: number,
    /** The most one selection may hold. */
    readonly max: number,
  ) {
    super(
      `the selector matches ${count} jobs, more than the ${max} one request may stop; narrow it (by status, name, tags or ids)`,
    );
  }
}
