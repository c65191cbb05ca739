import type { Readable } from 'node:stream';
import { isTerminal, type LogStream, type OutputList } from '@hpcgate/contract';
import type { GatewayConfig } from '../../config/schema.js';
import {
  JobNotFinishedError,
  OutputTooLargeError,
  RangeNotSatisfiableError,
} from '../../domain/output-errors.js';
import {
  type JobFileRef,
  type JobFiles,
  logFile,
  OutputNotFoundError,
  OutputTypeError,
} from '../../scheduler/job-files.js';
import type { JobRecord, JobStore, SavedLog } from '../../store/job-store.js';
import type { Caller } from '../caller.js';
import type { ExecutionSystem } from '../execution-system.js';
import type { JobService } from '../job-service.js';
import { parseByteRange } from './byte-range.js';
import type { LogReaders } from './log-readers.js';
import type { LogSource } from './log-stream.js';

export type OutputsConfig = GatewayConfig['outputs'];

/**
 * A log stream about to start: `source` says what to send once (null: follow it live), and
 * `cluster` where the job's files are (null when only the gateway's copy is left).
 */
export interface OpenedLog {
  job: JobRecord;
  source: LogSource | null;
  cluster: { files: JobFiles; ref: JobFileRef } | null;
}

/** A download about to be sent: what it is, which bytes, and the stream of them. */
export interface Download {
  name: string;
  /** The file's size (what Content-Range names as the whole). */
  size: number;
  start: number;
  /** The last byte sent (inclusive), -1 for an empty file. */
  end: number;
  /** A Range was asked for and is what is sent (206). */
  partial: boolean;
  stream: Readable;
  /** Settles once the remote read is over: rejects if it failed part way. */
  done: Promise<void>;
}

/**
 * The output routes' service: a job's directory listed and its files read, as the job's own
 * account, for whoever may see the job (everyone else: 404, as on every route).
 */
export class JobOutputs {
  constructor(
    private readonly jobs: JobService,
    private readonly systems: ReadonlyMap<string, ExecutionSystem>,
    private readonly store: JobStore,
    private readonly config: OutputsConfig,
    /** The shared live readers of followed logs. */
    readonly readers: LogReaders,
  ) {}

  /**
   * What `GET /v3/jobs/{id}/logs` streams, decided before the response starts (so that a job
   * with no log is a plain 404): the live log of a job still running when followed; otherwise
   * the log as it is now, from the gateway's final copy when that holds the bytes asked for,
   * else from the cluster, else from whatever copy the gateway saved (periodic after a terminate).
   */
  async openLog(
    caller: Caller,
    jobId: string,
    stream: LogStream,
    task: number | undefined,
    offset: number,
    follow: boolean,
  ): Promise<OpenedLog> {
    const job = await this.jobs.get(caller, jobId);
    const over = isTerminal(job.status) && job.remoteDone;
    // The gateway keeps copies of a job's two logs, not of each task's.
    const saved =
      job.output && task === undefined ? await this.store.savedLog(job.id, stream) : undefined;
    const file = logFile(stream, task);
    const fromSaved = (s: SavedLog): LogSource => ({
      kind: s.kind === 'final' ? 'collected' : 'periodic',
      saved: { start: s.start, content: s.content },
    });
    if (!job.remoteUser) {
      if (saved) return { job, source: fromSaved(saved), cluster: null };
      throw new OutputNotFoundError(jobId, '');
    }
    const cluster = { files: this.filesOf(job), ref: this.refOf(job) };
    if (follow && !over) return { job, source: null, cluster };
    if (over && saved?.kind === 'final' && offset >= saved.start) {
      return { job, source: fromSaved(saved), cluster };
    }
    try {
      const entry = await cluster.files.stat(cluster.ref, file);
      return { job, source: { kind: 'cluster', size: entry.size }, cluster };
    } catch (err) {
      if (saved) return { job, source: fromSaved(saved), cluster };
      throw err;
    }
  }

  async list(
    caller: Caller,
    jobId: string,
    path: string,
    page: { skip: number; limit: number },
  ): Promise<OutputList> {
    const job = await this.jobs.get(caller, jobId);
    const { entries, more } = await this.filesOf(job).list(this.refOf(job), path, page);
    return { jobId, path, entries, nextSkip: more ? page.skip + entries.length : null };
  }

  async download(
    caller: Caller,
    jobId: string,
    path: string,
    rangeHeader: string | undefined,
    allowIfRunning: boolean,
  ): Promise<Download> {
    const job = await this.jobs.get(caller, jobId);
    if (!allowIfRunning && !isTerminal(job.status))
      throw new JobNotFinishedError(jobId, job.status);
    const files = this.filesOf(job);
    const ref = this.refOf(job);
    const entry = await files.stat(ref, path);
    if (entry.type === 'dir') throw new OutputTypeError(path, 'file');
    if (entry.type !== 'file') throw new OutputNotFoundError(jobId, path);
    const range = parseByteRange(rangeHeader, entry.size);
    if (range === 'unsatisfiable') throw new RangeNotSatisfiableError(path, entry.size);
    const start = range?.start ?? 0;
    // A running job's file grows: what is sent is what it held when it was looked at.
    const end = range?.end ?? entry.size - 1;
    const length = end - start + 1;
    if (length > this.config.maxDownloadBytes) {
      throw new OutputTooLargeError(path, length, this.config.maxDownloadBytes);
    }
    const read = await files.read(ref, path, start, length);
    return {
      name: entry.name,
      size: entry.size,
      start,
      end,
      partial: range !== null,
      stream: read.stream,
      done: read.done,
    };
  }

  /** The job's system's files; a job that never had an account there has no directory. */
  filesOf(job: JobRecord): JobFiles {
    const system = this.systems.get(job.execSystemId);
    if (!system || !job.remoteUser) throw new OutputNotFoundError(job.id, '');
    return system.scheduler.files;
  }

  refOf(job: JobRecord): JobFileRef {
    if (!job.remoteUser) throw new OutputNotFoundError(job.id, '');
    return { gatewayJobId: job.id, account: job.remoteUser };
  }
}
