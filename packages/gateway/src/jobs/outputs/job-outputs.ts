import type { Readable } from 'node:stream';
import { isTerminal, type OutputList } from '@hpcgate/contract';
import type { GatewayConfig } from '../../config/schema.js';
import {
  JobNotFinishedError,
  OutputTooLargeError,
  RangeNotSatisfiableError,
} from '../../domain/output-errors.js';
import {
  type JobFileRef,
  type JobFiles,
  OutputNotFoundError,
  OutputTypeError,
} from '../../scheduler/job-files.js';
import type { JobRecord } from '../../store/job-store.js';
import type { Caller } from '../caller.js';
import type { ExecutionSystem } from '../execution-system.js';
import type { JobService } from '../job-service.js';
import { parseByteRange } from './byte-range.js';

export type OutputsConfig = GatewayConfig['outputs'];

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
    private readonly config: OutputsConfig,
  ) {}

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
