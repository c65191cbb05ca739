import { isTerminal, type JobStatus } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { JobFileRef, JobFiles, LogFile, RemoteFollow } from '../../scheduler/job-files.js';
import type { JobRecord, JobStore } from '../../store/job-store.js';
import type { JobEvents } from '../job-events.js';

/** What a reader tells each client that follows its log. */
export interface LogListener {
  /** Bytes of the log from `offset`, in order, none twice. */
  data(offset: number, bytes: Buffer): void;
  /** The job is over and every byte of the log was told. */
  end(status: JobStatus): void;
  /** The reader failed (the cluster went away): the client may resume later by offset. */
  fail(err: unknown): void;
}

/** The most bytes of a log read at the end that the live reader had not delivered yet. */
const FINAL_READ_BYTES = 64 * 1024 * 1024;

/**
 * One remote reader per followed log, however many clients follow it: started by the first
 * client, stopped when the last one leaves or once the job is over (after a last read of what
 * the live reader had not delivered yet).
 */
export class LogReaders {
  private readonly readers = new Map<string, SharedLogReader>();

  constructor(
    private readonly store: JobStore,
    private readonly events: JobEvents,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Follows the job's log for `listener`: resolves once the reader knows where it is (the log's
   * size when it began, plus what it has delivered since), from which on `listener` gets every
   * byte. The returned `detach` stops that (and the reader, with its last client).
   */
  async attach(
    job: JobRecord,
    files: JobFiles,
    ref: JobFileRef,
    stream: LogFile,
    listener: LogListener,
  ): Promise<{ position: number; detach: () => void }> {
    const key = `${job.id}\u0000${stream}`;
    let reader = this.readers.get(key);
    if (!reader) {
      reader = new SharedLogReader(
        job.id,
        files,
        ref,
        stream,
        this.store,
        this.events,
        this.log,
        () => this.readers.delete(key),
      );
      this.readers.set(key, reader);
      reader.start();
    }
    const position = await reader.add(listener);
    const owner = reader;
    return { position, detach: () => owner.remove(listener) };
  }

  /** Readers running now (one per followed log). */
  get size(): number {
    return this.readers.size;
  }

  closeAll(): void {
    for (const reader of [...this.readers.values()]) reader.close();
  }
}

class SharedLogReader {
  private readonly listeners = new Set<LogListener>();
  private follow: RemoteFollow | null = null;
  /** The offset of the next byte the live reader delivers; null until it began. */
  private position: number | null = null;
  /**
   * Bytes that came before `position` was set: the reader's first bytes can share a packet with
   * the size it printed, and arrive before the promise of that size has resolved. They follow the
   * size, so they are delivered from it once it is known; dropping them lost the log's first
   * lines and shifted every later offset.
   */
  private early: Buffer[] = [];
  private readonly ready: Promise<void>;
  private markReady: () => void = () => {};
  private failReady: (err: unknown) => void = () => {};
  private unsubscribe: () => void = () => {};
  private finishing = false;
  private closed = false;

  constructor(
    private readonly jobId: string,
    private readonly files: JobFiles,
    private readonly ref: JobFileRef,
    private readonly stream: LogFile,
    private readonly store: JobStore,
    private readonly events: JobEvents,
    private readonly log: FastifyBaseLogger,
    private readonly onClosed: () => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => {});
  }

  start(): void {
    // Listening first, then the job read once: an end written in between is not missed.
    this.unsubscribe = this.events.subscribe(this.jobId, (job) => this.onJob(job));
    void this.begin();
  }

  private async begin(): Promise<void> {
    try {
      this.follow = await this.files.follow(this.ref, this.stream);
      if (this.closed) {
        this.follow.stop();
        return;
      }
      this.follow.stream.on('data', (bytes: Buffer) => this.deliver(bytes));
      void this.follow.done.then(() => {
        if (!this.finishing && !this.closed) this.fail(new Error('the log reader ended'));
      });
      const job = await this.store.get(this.jobId);
      if (job) this.onJob(job);
      // The log may not exist yet (a pending job): the reader waits for it, and so do clients.
      this.follow.start.then(
        (size) => {
          if (this.position === null) {
            this.position = size;
            const early = this.early;
            this.early = [];
            for (const bytes of early) this.deliver(bytes);
          }
          this.markReady();
        },
        (err) => {
          if (!this.finishing) this.fail(err);
        },
      );
    } catch (err) {
      this.fail(err);
    }
  }

  /** Resolves to the offset from which `listener` gets every byte. */
  async add(listener: LogListener): Promise<number> {
    this.listeners.add(listener);
    await this.ready;
    return this.position ?? 0;
  }

  remove(listener: LogListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.close();
  }

  private deliver(bytes: Buffer): void {
    if (this.position === null) {
      this.early.push(bytes);
      return;
    }
    const at = this.position;
    this.position += bytes.length;
    for (const l of this.listeners) l.data(at, bytes);
  }

  private onJob(job: JobRecord): void {
    if (isTerminal(job.status) && job.remoteDone) void this.finish(job.status);
  }

  /**
   * The job is over: the live reader stops, and what it had not delivered is read once from the
   * file (Slurm has closed it by then), so that clients get the log to its last byte.
   */
  private async finish(status: JobStatus): Promise<void> {
    if (this.finishing || this.closed) return;
    this.finishing = true;
    try {
      if (this.follow) {
        const stream = this.follow.stream;
        const drained = new Promise<void>((resolve) => {
          if (stream.readableEnded) resolve();
          else stream.once('end', () => resolve());
        });
        this.follow.stop();
        await Promise.race([drained, this.follow.done.then(() => drained)]);
      }
      if (this.position === null) this.position = 0;
      this.markReady();
      const entry = await this.files.stat(this.ref, this.stream).catch(() => null);
      if (entry && entry.size > this.position) {
        const length = Math.min(entry.size - this.position, FINAL_READ_BYTES);
        const read = await this.files.read(this.ref, this.stream, this.position, length);
        for await (const bytes of read.stream) this.deliver(bytes as Buffer);
        await read.done;
      }
      for (const l of this.listeners) l.end(status);
    } catch (err) {
      for (const l of this.listeners) l.fail(err);
    } finally {
      this.close();
    }
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.log.warn({ err, jobId: this.jobId, stream: this.stream }, 'log reader failed');
    this.failReady(err);
    for (const l of this.listeners) l.fail(err);
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.follow?.stop();
    this.failReady(new Error('the log reader closed'));
    this.onClosed();
  }
}
