import type { Readable } from 'node:stream';
import type { OutputEntry } from '@hpcgate/contract';

/**
 * A job's directory on its system, read as the job's own account: what the output routes, the
 * live logs and the collection of logs need. Paths are relative to the job directory and already
 * checked for their form (no `..`, not absolute); where they lead (symlinks) is checked remotely.
 */
export interface JobFiles {
  /** One page of a directory's entries, by name; `more` when entries follow. */
  list(
    ref: JobFileRef,
    path: string,
    page: { skip: number; limit: number },
  ): Promise<{ entries: OutputEntry[]; more: boolean }>;
  /** What the path is (after following symlinks inside the job directory). */
  stat(ref: JobFileRef, path: string): Promise<OutputEntry>;
  /** `length` bytes of a file from byte `start`, streamed. */
  read(ref: JobFileRef, path: string, start: number, length: number): Promise<RemoteRead>;
  /** The last `maxBytes` of one of the job's logs, or null while it does not exist. */
  tail(
    ref: JobFileRef,
    log: LogFile,
    maxBytes: number,
  ): Promise<{ start: number; size: number; content: Buffer } | null>;
  /**
   * Follows one of the job's logs from the size it has once it exists (`start`): its bytes from
   * there on, as they are written, until `stop()`.
   */
  follow(ref: JobFileRef, log: LogFile): Promise<RemoteFollow>;
  /** What a phased job's wrapper recorded of its phases so far; null when nothing (yet). */
  phaseEvents(ref: JobFileRef): Promise<PhaseEvent[] | null>;
}

/** One step of a phased job as its wrapper recorded it (phases numbered from 1). */
export interface PhaseEvent {
  phase: number;
  kind: 'start' | 'end' | 'skip';
  /** By the cluster's clock. */
  at: string;
  /** For `end`: the phase's exit status. */
  exitCode: number | null;
}

/**
 * One of a job's logs by its name in the job directory: `stdout`, `stderr`, or an array task's
 * `stdout.<index>`, `stderr.<index>`.
 */
export type LogFile = string;

/** A log's name for a stream, and for an array's task. */
export function logFile(stream: 'stdout' | 'stderr', task?: number): LogFile {
  return task === undefined ? stream : `${stream}.${Math.trunc(task)}`;
}

/** Whose job, as which account: every remote read runs as the job's own Unix user. */
export interface JobFileRef {
  gatewayJobId: string;
  account: string;
}

export interface RemoteRead {
  stream: Readable;
  /** Resolves once the remote read ended; rejects when it failed. */
  done: Promise<void>;
  abort(): void;
}

export interface RemoteFollow {
  /** Resolves to the log's size when following began (after it came to exist). */
  start: Promise<number>;
  /** The bytes from `start` on. */
  stream: Readable;
  /** Resolves once the remote reader ended (after stop(), or when the connection dropped). */
  done: Promise<void>;
  stop(): void;
}

/** The path does not exist in the job directory, or leads out of it (told apart for no one). */
export class OutputNotFoundError extends Error {
  override name = 'OutputNotFoundError';
  constructor(
    readonly jobId: string,
    readonly path: string,
  ) {
    super(
      path === ''
        ? `job ${jobId} has no job directory on its system (never started there, or purged)`
        : `job ${jobId} has no output "${path}"`,
    );
  }
}

/** A download of a directory, or a listing of a file. */
export class OutputTypeError extends Error {
  override name = 'OutputTypeError';
  constructor(
    readonly path: string,
    readonly expected: 'file' | 'dir',
  ) {
    super(
      expected === 'file'
        ? `"${path}" is a directory: list it with output/list`
        : `"${path}" is not a directory: download it with output/download`,
    );
  }
}
