import type { Job, JobEvent, JobSelector, JobStatus, ListJobsFilter } from '@hpcgate/contract';

/** A job as the gateway keeps it: the API's job plus what only the gateway needs. */
export interface JobRecord extends Job {
  /** Slurm has confirmed the remote job ended (or it never reached Slurm). */
  remoteDone: boolean;
}

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
}

export interface JobPage {
  jobs: JobRecord[];
  nextCursor: string | null;
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
 * Where jobs and their history live. SQLite embedded by default; the interface is async so that a
 * PostgreSQL implementation can follow for several gateway replicas.
 */
export interface JobStore {
  create(job: JobRecord, event: NewJobEvent): Promise<void>;
  get(id: string): Promise<JobRecord | undefined>;
  /** Resolves to the job after the change, or undefined when `expectStatus` did not hold. */
  update(id: string, change: JobChange): Promise<JobRecord | undefined>;
  list(owner: string, filter: ListJobsFilter): Promise<JobPage>;
  history(id: string): Promise<JobEvent[]>;
  /** Every job of `owner` that the selector names, newest first. */
  select(owner: string, selector: JobSelector): Promise<JobRecord[]>;
  /** Jobs of a system whose remote job may still exist: what the monitor must watch. */
  watched(systemId: string): Promise<JobRecord[]>;
  getIdempotentResponse(owner: string, key: string): Promise<IdempotentResponse | undefined>;
  /** Remembers an answer; the first one stored for a key wins. */
  putIdempotentResponse(response: IdempotentResponse): Promise<void>;
  /** Forgets answers older than `before` (ISO time). */
  pruneIdempotentResponses(before: string): Promise<number>;
  /** A cheap query that proves the store answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
