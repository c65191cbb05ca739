import type { z } from 'zod';
import { AbortError, ConnectionError, HpcgateError, InvalidResponseError } from './errors.js';
import { type RequestCore, sleep } from './request.js';

/** One Server-Sent Event, as the WHATWG event-stream format defines it. */
export interface SseMessage {
  /** The `id:` field, when the event had one. */
  id?: string;
  /** `event:`; `message` when not given. */
  event: string;
  /** The `data:` lines, joined with `\n`. */
  data: string;
}

/**
 * An incremental `text/event-stream` parser: feed it text as it arrives, get whole events back.
 * Comments (`: heartbeat`) are dropped, `retry:` is kept in `retryMs`; lines may end in CRLF, LF
 * or CR, and a chunk may end anywhere (even between CR and LF).
 */
export class SseParser {
  /** The last `retry:` the server sent, in ms. */
  retryMs: number | undefined;
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private trailingCr = false;

  feed(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    let chunk = text;
    if (this.trailingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.trailingCr = false;
    this.buffer += chunk;
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buffer);
      if (!m) break;
      // A CR at the very end may be the first half of a CRLF.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.trailingCr = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      const data = this.data;
      const event = this.event || 'message';
      this.data = [];
      this.event = '';
      if (data.length === 0) return undefined;
      return { event, data: data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) };
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\u0000')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}

/** Where each connection of a stream goes (its `Last-Event-ID` comes from `resumeFrom`). */
export interface EventStreamRequest {
  path: string;
  query?: Record<string, unknown>;
}

export interface ReconnectOptions {
  signal?: AbortSignal;
  /**
   * Reconnections in a row that may fail (the gateway unreachable, or cut before any event)
   * before the iterator throws the ConnectionError. Default 10.
   */
  maxReconnects?: number;
  /** No byte (not even a heartbeat, every 15 s) for this long: the connection is dropped and
   * resumed. Default 45 s. */
  idleTimeoutMs?: number;
  /** Retries of the very first opening (default: the client's); later ones always use the client's. */
  firstOpenRetries?: number;
  /** Called each time a connection is open (its headers are in), before any of its events. */
  onOpen?: () => void;
}

/** Until the server's `retry:` says otherwise. */
const DEFAULT_RETRY_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
const DEFAULT_MAX_RECONNECTS = 10;
const DEFAULT_IDLE_MS = 45_000;

/**
 * One of the gateway's event streams as an endless async iterable of raw messages, opened through
 * the request core (auth, retries of the opening, error classes) and reopened with `Last-Event-ID`
 * whenever a connection drops (cut, closed, or silent past `idleTimeoutMs`), after the server's
 * `retry:` and doubling (with jitter, up to 30 s) while reopening fails. It never ends by itself:
 * the consumer stops iterating when a message says the stream is over (e.g. `end`). Where to
 * resume is the consumer's to say (`resumeFrom`), since only it knows which messages it has taken.
 */
export class ReconnectingEventStream implements AsyncIterable<SseMessage> {
  /** Whether a connection was ever made (the gateway offers the stream). */
  connected = false;
  private retryMs = DEFAULT_RETRY_MS;
  /** The current connection was opened (a 2xx came). */
  private opened = false;

  constructor(
    private readonly core: RequestCore,
    private readonly request: EventStreamRequest,
    private readonly resumeFrom: () => string | undefined,
    private readonly options: ReconnectOptions = {},
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<SseMessage, void, undefined> {
    const { signal } = this.options;
    const maxReconnects = this.options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
    let failures = 0;
    for (;;) {
      if (signal?.aborted) throw new AbortError('aborted');
      this.opened = false;
      try {
        yield* this.connection();
      } catch (err) {
        if (signal?.aborted) throw new AbortError('aborted');
        // HTTP errors and aborts end the iteration; only drops are resumed.
        if (!(err instanceof ConnectionError) && !(err instanceof DroppedError)) throw err;
        if (!this.connected) throw err instanceof DroppedError ? err.cause : err;
        // A connection that opened and then dropped is resumed at once (after `retry:`); opening
        // again is what may fail, maxReconnects times in a row.
        if (!this.opened && ++failures > maxReconnects) {
          throw err instanceof DroppedError ? err.cause : err;
        }
      }
      if (this.opened) failures = 0;
      // The server's retry, doubled for each failure in a row (with jitter), at most 30 s.
      const wait = Math.min(RECONNECT_MAX_MS, this.retryMs * 2 ** failures);
      await sleep(failures === 0 ? wait : wait / 2 + Math.random() * (wait / 2), signal);
    }
  }

  /** One connection: its messages until it drops (DroppedError) or the consumer stops. */
  private async *connection(): AsyncGenerator<SseMessage, void, undefined> {
    const { signal } = this.options;
    const first = !this.connected;
    const lastEventId = this.resumeFrom();
    const { body } = await this.core.stream({
      ...this.request,
      headers: lastEventId !== undefined ? { 'Last-Event-ID': lastEventId } : {},
      signal,
      ...(first && this.options.firstOpenRetries !== undefined
        ? { maxRetries: this.options.firstOpenRetries }
        : {}),
    });
    this.connected = true;
    this.opened = true;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => body.destroy(new Error(`no data for ${idleMs} ms`)), idleMs);
      idle.unref?.();
    };
    try {
      this.options.onOpen?.();
      arm();
      for await (const chunk of body) {
        arm();
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        for (const msg of parser.feed(text)) {
          if (parser.retryMs !== undefined) this.retryMs = parser.retryMs;
          yield msg;
        }
        if (parser.retryMs !== undefined) this.retryMs = parser.retryMs;
      }
    } catch (err) {
      if (signal?.aborted) throw new AbortError('aborted');
      if (err instanceof HpcgateError) throw err;
      throw new DroppedError(
        new ConnectionError(`the event stream was cut: ${(err as Error).message}`),
      );
    } finally {
      clearTimeout(idle);
      body.destroy();
    }
    // Closed by the server while the consumer still wanted more: resume.
    throw new DroppedError(new ConnectionError('the event stream closed before its end'));
  }
}

/** A connection that was made and then lost: resumed, unlike a connection never made. */
class DroppedError extends Error {
  constructor(override readonly cause: ConnectionError) {
    super(cause.message);
  }
}

/** An event's `data:` as JSON checked against its contract schema. */
export function parseEventData<S extends z.ZodType>(
  schema: S,
  data: string,
  what: string,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new InvalidResponseError(`the gateway sent an ${what} that is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidResponseError(
      `the gateway sent an ${what} that does not match the contract: ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}
