import type { ServerResponse } from 'node:http';
import type { JobStreamEnd, JobStreamEvent } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import { HttpError } from '../domain/http-error.js';
import { startSse } from './sse.js';

/** A comment line this often keeps proxies and the socket timeout from closing a quiet stream. */
export const HEARTBEAT_MS = 15_000;
/** Open event streams one user may hold at once; one more is 429 TOO_MANY_STREAMS. */
export const MAX_STREAMS_PER_USER = 10;
/** How many events one read from the store returns; a replay reads on until it is short. */
export const STREAM_BATCH = 200;

/** One event to send, with its SSE id (the cursor a client resumes from). */
export interface CursorEvent {
  cursor: number;
  data: JobStreamEvent;
}

/**
 * Where a stream's events come from: the store, read by cursor. The stream reads again after
 * every change it hears of, so the store is the only source of events and a wake-up carries none:
 * a replay and the live part are the same read, and nothing is sent twice or skipped.
 */
export interface StreamSource {
  /**
   * The events after `cursor`, in cursor order, at most `limit`; with `end` when, once these are
   * sent, the stream is over.
   */
  next(cursor: number, limit: number): Promise<{ events: CursorEvent[]; end?: JobStreamEnd }>;
}

export interface StreamOptions {
  /** The cursor to start after; absent: `head()` (live only). */
  cursor?: number;
  /** Where "now" is, for a stream that replays nothing. */
  head?: () => Promise<number>;
  source: StreamSource;
  /**
   * Starts calling `wake` on every change that may bring events, before anything is read (so no
   * event written meanwhile is missed); returns what stops it. `wake` never throws.
   */
  subscribe: (wake: () => void) => () => void;
  /** Gives back the user's stream slot (see {@link EventStreams.reserve}). */
  release: () => void;
  log: FastifyBaseLogger;
}

export interface EventStreamsOptions {
  heartbeatMs?: number;
  maxStreamsPerUser?: number;
  batch?: number;
}

/** The gateway's open event streams: their per-user bound, and their end at shutdown. */
export class EventStreams {
  private readonly perUser = new Map<string, number>();
  private readonly streams = new Set<EventStream>();
  readonly heartbeatMs: number;
  readonly maxStreamsPerUser: number;
  readonly batch: number;

  constructor(opts: EventStreamsOptions = {}) {
    this.heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
    this.maxStreamsPerUser = opts.maxStreamsPerUser ?? MAX_STREAMS_PER_USER;
    this.batch = opts.batch ?? STREAM_BATCH;
  }

  /**
   * Takes one of `username`'s stream slots, synchronously (concurrent requests cannot both take
   * the last one), or throws 429 TOO_MANY_STREAMS before anything is sent. The returned function
   * gives it back (once, however often it is called).
   */
  reserve(username: string): () => void {
    const held = this.perUser.get(username) ?? 0;
    if (held >= this.maxStreamsPerUser) {
      throw new HttpError(
        429,
        'TOO_MANY_STREAMS',
        `${username} already has ${held} event streams open, the most one user may hold; close one first`,
        { limit: this.maxStreamsPerUser },
        { 'retry-after': '5' },
      );
    }
    this.perUser.set(username, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.perUser.get(username) ?? 1) - 1;
      if (n > 0) this.perUser.set(username, n);
      else this.perUser.delete(username);
    };
  }

  /** Slots taken, all users together (log streams take slots without opening through here). */
  reserved(): number {
    let n = 0;
    for (const held of this.perUser.values()) n += held;
    return n;
  }

  /** How many streams `username` holds (all users: without one). */
  count(username?: string): number {
    if (username !== undefined) return this.perUser.get(username) ?? 0;
    return this.streams.size;
  }

  /**
   * Sends the SSE headers on `res` (whose request Fastify no longer answers: hijacked) and runs
   * the stream until the source ends it, the client leaves or {@link closeAll}. Returns what ends
   * it from outside (its web session signed out).
   */
  open(res: ServerResponse, headers: Record<string, string>, opts: StreamOptions): () => void {
    const stream = new EventStream(res, opts, this.heartbeatMs, this.batch, () =>
      this.streams.delete(stream),
    );
    this.streams.add(stream);
    stream.start(headers);
    return () => stream.close();
  }

  /** Ends every open stream (the gateway is closing: open responses would hold it up). */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
  }
}

class EventStream {
  private cursor = 0;
  private closed = false;
  /** A read is under way (or the head is being read): a wake-up only marks the stream dirty. */
  private pumping = true;
  private dirty = true;
  private stopHeartbeat: () => void = () => {};
  private unsubscribe: () => void = () => {};

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: StreamOptions,
    private readonly heartbeatMs: number,
    private readonly batch: number,
    private readonly onClosed: () => void,
  ) {}

  start(headers: Record<string, string>): void {
    this.res.on('close', () => this.close());
    this.stopHeartbeat = startSse(this.res, headers, this.heartbeatMs);
    // Subscribed before the first read: whatever is written from now on wakes a read after it.
    this.unsubscribe = this.opts.subscribe(() => this.wake());
    void this.begin();
  }

  private async begin(): Promise<void> {
    try {
      this.cursor = this.opts.cursor ?? (this.opts.head ? await this.opts.head() : 0);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.pumping = false;
    this.wake();
  }

  private wake(): void {
    if (this.closed) return;
    this.dirty = true;
    if (!this.pumping) void this.pump();
  }

  /** Reads and sends until the store has nothing after the cursor, as often as woken meanwhile. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.dirty && !this.closed) {
        this.dirty = false;
        for (;;) {
          const { events, end } = await this.opts.source.next(this.cursor, this.batch);
          if (this.closed) return;
          let writable = true;
          for (const e of events) {
            if (e.cursor <= this.cursor) continue;
            this.cursor = e.cursor;
            writable = this.res.write(`id: ${e.cursor}\ndata: ${JSON.stringify(e.data)}\n\n`);
          }
          if (end) {
            this.res.write(`event: end\ndata: ${JSON.stringify(end)}\n\n`);
            this.close();
            return;
          }
          // A slow client: read on once it took what was sent (the cursor holds our place).
          if (!writable && !(await this.drained())) return;
          if (events.length < this.batch) break;
        }
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.pumping = false;
    }
  }

  /** Resolves true once the response drained, false if it closed first. */
  private drained(): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.res.off('drain', onDrain);
        this.res.off('close', onClose);
        resolve(ok && !this.closed);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.res.on('drain', onDrain);
      this.res.on('close', onClose);
    });
  }

  private fail(err: unknown): void {
    this.opts.log.warn({ err }, 'event stream failed; closing it');
    this.close();
  }

  /** Stops listening, gives the user's slot back and ends the response; once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopHeartbeat();
    this.unsubscribe();
    this.opts.release();
    this.onClosed();
    if (!this.res.writableEnded) this.res.end();
  }
}
