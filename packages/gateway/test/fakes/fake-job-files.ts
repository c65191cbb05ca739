import { PassThrough, Readable } from 'node:stream';
import type { LogStream, OutputEntry } from '@hpcgate/contract';
import {
  type JobFileRef,
  type JobFiles,
  OutputNotFoundError,
  type PhaseEvent,
  type RemoteFollow,
  type RemoteRead,
} from '../../src/scheduler/job-files.js';

/**
 * FAKE job directories for fast tests of the logic above the Slurm adapter (the log collector,
 * the log readers): each job's two logs in memory, written by the test. Never used where a test
 * claims to test the cluster's files; the sandbox tests do that.
 */
export class FakeJobFiles implements JobFiles {
  /** Each job's logs, by job id. */
  readonly logs = new Map<string, Map<LogStream, Buffer>>();
  private readonly followers = new Set<{ jobId: string; log: LogStream; out: PassThrough }>();

  /** Appends to a job's log (making it exist), as the running job would. */
  write(jobId: string, log: LogStream, text: string): void {
    const logs = this.logs.get(jobId) ?? new Map<LogStream, Buffer>();
    this.logs.set(jobId, logs);
    logs.set(log, Buffer.concat([logs.get(log) ?? Buffer.alloc(0), Buffer.from(text)]));
    for (const f of this.followers) {
      if (f.jobId === jobId && f.log === log) f.out.write(Buffer.from(text));
    }
  }

  async list(): Promise<{ entries: OutputEntry[]; more: boolean }> {
    return { entries: [], more: false };
  }

  async stat(ref: JobFileRef, path: string): Promise<OutputEntry> {
    const content = this.logs.get(ref.gatewayJobId)?.get(path as LogStream);
    if (!content) throw new OutputNotFoundError(ref.gatewayJobId, path);
    return { name: path, path, type: 'file', size: content.length, modified: '' };
  }

  async read(ref: JobFileRef, path: string, start: number, length: number): Promise<RemoteRead> {
    const content = this.logs.get(ref.gatewayJobId)?.get(path as LogStream);
    if (!content) throw new OutputNotFoundError(ref.gatewayJobId, path);
    const stream = Readable.from([content.subarray(start, start + length)]);
    return { stream, done: Promise.resolve(), abort: () => stream.destroy() };
  }

  async tail(
    ref: JobFileRef,
    log: LogStream,
    maxBytes: number,
  ): Promise<{ start: number; size: number; content: Buffer } | null> {
    const content = this.logs.get(ref.gatewayJobId)?.get(log);
    if (!content) return null;
    const start = Math.max(0, content.length - maxBytes);
    return { start, size: content.length, content: content.subarray(start) };
  }

  async follow(ref: JobFileRef, log: LogStream): Promise<RemoteFollow> {
    const out = new PassThrough();
    const follower = { jobId: ref.gatewayJobId, log, out };
    this.followers.add(follower);
    let ended: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      ended = resolve;
    });
    return {
      start: Promise.resolve(this.logs.get(ref.gatewayJobId)?.get(log)?.length ?? 0),
      stream: out,
      done,
      stop: () => {
        this.followers.delete(follower);
        out.end();
        ended();
      },
    };
  }

  /** What phased jobs' wrappers recorded, by job id. */
  readonly phases = new Map<string, PhaseEvent[]>();

  async phaseEvents(ref: JobFileRef): Promise<PhaseEvent[] | null> {
    return this.phases.get(ref.gatewayJobId) ?? null;
  }
}
