import type { ServerResponse } from 'node:http';
import type { LogEnd } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { JobFileRef, JobFiles, LogFile } from '../../scheduler/job-files.js';
import type { JobRecord } from '../../store/job-store.js';
import { HEARTBEAT_MS } from '../event-stream.js';
import { startSse } from '../sse.js';
import { type ChunkerOutput, LineChunker } from './line-chunker.js';
import type { LogReaders } from './log-readers.js';

/** Bytes a client may leave unread in its response before the gateway drops it (it resumes by offset). */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

/** Where a one-shot log stream's bytes come from, decided before the response starts. */
export interface LogSource {
  kind: LogEnd['source'];
  /** Bytes [start, start + content.length) when the gateway's own copy is sent. */
  saved?: { start: number; content: Buffer };
  /** The file's size, when it is read from the cluster. */
  size?: number;
}

export interface LogStreamOptions {
  job: JobRecord;
  /** The log's name in the job directory (logFile). */
  stream: LogFile;
  /** The first byte the client wants. */
  offset: number;
  /** Where the job's files are (null when only the gateway's copy is sent). */
  cluster: { files: JobFiles; ref: JobFileRef } | null;
  maxCatchUpBytes: number;
  release: () => void;
  log: FastifyBaseLogger;
  heartbeatMs?: number;
}

/**
 * One client's `GET /v3/jobs/{id}/logs` as Server-Sent Events: `log` events of whole lines (the
 * SSE id is the offset after them), `skipped` for bytes left out, `end` last. Followed, it
 * shares the log's one remote reader; catching up on what was written before it joined is a
 * separate read of the file, at most `maxCatchUpBytes`.
 */
export class LogSession {
  private readonly chunker: LineChunker;
  private stopHeartbeat: () => void = () => {};
  private closed = false;
  private detach: () => void = () => {};

  private onClose: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: LogStreamOptions,
  ) {
    this.chunker = new LineChunker(opts.offset, (out) => this.write(out));
  }

  /** Starts the response (the request is hijacked). */
  begin(headers: Record<string, string>): void {
    this.res.on('close', () => this.close());
    this.stopHeartbeat = startSse(this.res, headers, this.opts.heartbeatMs ?? HEARTBEAT_MS);
  }

  /** Sends what the log holds now (from the cluster, or the gateway's copy), then `end`. */
  async once(source: LogSource): Promise<void> {
    try {
      if (source.saved) {
        const { start, content } = source.saved;
        if (this.opts.offset < start) {
          this.chunker.skip(start, `only the last ${content.length} bytes of the log were saved`);
        }
        this.chunker.push(start, content);
      } else if (source.size !== undefined) {
        await this.catchUp(source.size);
      }
      this.end(this.opts.job.status, source.kind);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Follows the log until the job is over (or the client leaves). */
  async followLive(readers: LogReaders): Promise<void> {
    const { job, stream } = this.opts;
    const { files, ref } = this.clusterOf();
    // Live bytes that arrive while the catch-up is read wait here, in order.
    let queue: Array<[number, Buffer]> | null = [];
    let queued = 0;
    let ended: JobRecord['status'] | null = null;
    try {
      const { position, detach } = await readers.attach(job, files, ref, stream, {
        data: (at, bytes) => {
          if (queue === null) return this.chunker.push(at, bytes);
          queued += bytes.length;
          // A catch-up slower than the job: the queue is dropped, told as skipped later.
          if (queued > MAX_UNSENT_BYTES) queue = [];
          else queue.push([at, bytes]);
        },
        end: (status) => {
          if (queue === null) this.end(status, 'cluster');
          else ended = status;
        },
        fail: (err) => this.fail(err),
      });
      this.detach = detach;
      if (this.closed) return detach();
      await this.catchUp(position);
      const waiting: Array<[number, Buffer]> = queue;
      queue = null;
      for (const [at, bytes] of waiting) this.chunker.push(at, bytes);
      if (ended) this.end(ended, 'cluster');
    } catch (err) {
      this.fail(err);
    }
  }

  /** Sends bytes [offset, upTo) read from the file, at most maxCatchUpBytes of them (the last). */
  private async catchUp(upTo: number): Promise<void> {
    const { offset, maxCatchUpBytes, stream } = this.opts;
    if (upTo <= offset) return;
    const { files, ref } = this.clusterOf();
    const from = Math.max(offset, upTo - maxCatchUpBytes);
    if (from > offset) {
      this.chunker.skip(
        from,
        `more than ${maxCatchUpBytes} bytes were written before this stream began; download the file for these`,
      );
    }
    const read = await files.read(ref, stream, from, upTo - from);
    this.onClose.push(() => read.abort());
    let at = from;
    for await (const bytes of read.stream) {
      if (this.closed) return;
      this.chunker.push(at, bytes as Buffer);
      at += (bytes as Buffer).length;
      if (this.res.writableNeedDrain) await this.drained();
    }
    await read.done;
  }

  private clusterOf(): { files: JobFiles; ref: JobFileRef } {
    if (!this.opts.cluster) throw new Error('no job directory to read the log from');
    return this.opts.cluster;
  }

  private write(out: ChunkerOutput): void {
    if (this.closed) return;
    if (out.kind === 'chunk') {
      this.res.write(`event: log\nid: ${out.chunk.next}\ndata: ${JSON.stringify(out.chunk)}\n\n`);
    } else {
      // A gap the chunker found itself: live bytes dropped while a slow catch-up was read.
      const reason =
        out.reason ?? 'the stream fell behind the log; download the file for these bytes';
      this.res.write(
        `event: skipped\nid: ${out.to}\ndata: ${JSON.stringify({ from: out.from, to: out.to, reason })}\n\n`,
      );
    }
    if (this.res.writableLength > MAX_UNSENT_BYTES) {
      this.opts.log.info({ jobId: this.opts.job.id }, 'log stream client too slow; dropping it');
      this.close();
    }
  }

  private end(status: LogEnd['status'], source: LogEnd['source']): void {
    if (this.closed) return;
    this.chunker.flush();
    const end: LogEnd = { jobId: this.opts.job.id, status, offset: this.chunker.sentUpTo, source };
    this.res.write(`event: end\ndata: ${JSON.stringify(end)}\n\n`);
    this.close();
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.opts.log.warn({ err, jobId: this.opts.job.id }, 'log stream failed; closing it');
    // No `end`: the client sees the stream drop and resumes from the last id it got.
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    this.detach();
    for (const f of this.onClose) f();
    this.opts.release();
    if (!this.res.writableEnded) this.res.end();
  }
}
