import {
  type JobStatus,
  type JobStreamEnd,
  type JobStreamEvent,
  jobStreamEndSchema,
  jobStreamEventSchema,
} from '@hpcgate/contract';
import type { z } from 'zod';
import { AbortError, ConnectionError, HpcgateError, InvalidResponseError } from '../core/errors.js';
import { type RequestCore, sleep } from '../core/request.js';
import { SseParser } from '../core/sse.js';

/** Which events: one job's, or the caller's jobs narrowed as `/v3/jobs/list` narrows them. */
export type JobEventsSelector =
  | { jobId: string }
  | { status?: JobStatus[]; name?: string; tags?: string[] };

export interface JobEventsOptions {
  /** Resume after this SSE id (what `stream.lastEventId` said), as `Last-Event-ID`. */
  lastEventId?: string;
  signal?: AbortSignal;
  /**
   * Reconnections in a row that may fail (the gateway unreachable, or cut before any event)
   * before the iterator throws the ConnectionError. Default 10.
   */
  maxReconnects?: number;
  /** No byte (not even a heartbeat, every 15 s) for this long: the connection is dropped and
   * resumed. Default 45 s. */
  idleTimeoutMs?: number;
}

/** @internal waitForJob: fail at once when the first connection cannot be made. */
export interface InternalJobEventsOptions extends JobEventsOptions {
  firstOpenRetries?: number;
}

/** Until the server's `retry:` says otherwise. */
const DEFAULT_RETRY_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
const DEFAULT_MAX_RECONNECTS = 10;
const DEFAULT_IDLE_MS = 45_000;

/**
 * `client.jobs.events(…)`: the gateway's event stream as an async iterable of typed, validated
 * events. A dropped connection is resumed with `Last-Event-ID` (after the server's `retry:`,
 * backing off while it keeps failing), so no event is lost or repeated. A one-job stream ends
 * after the gateway's `end` event (then `end` holds it); the all-jobs stream never ends on its
 * own: `break` out of the loop or abort the signal. HTTP errors are the SDK's usual classes
 * (NotFoundError for an unknown job, RateLimitError for too many open streams…).
 */
export class JobEventStream implements AsyncIterable<JobStreamEvent> {
  /** The SSE id of the last event delivered: where a new stream would resume. */
  lastEventId: string | undefined;
  /** The one-job stream's final `end` event, once it came. */
  end: JobStreamEnd | undefined;
  /** Whether a connection was ever made (the gateway offers the stream). */
  connected = false;
  private retryMs = DEFAULT_RETRY_MS;
  /** The current connection was opened (a 2xx came). */
  private opened = false;

  constructor(
    private readonly core: RequestCore,
    private readonly selector: JobEventsSelector,
    private readonly options: InternalJobEventsOptions = {},
  ) {
    this.lastEventId = options.lastEventId;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<JobStreamEvent, void, undefined> {
    const { signal } = this.options;
    const maxReconnects = this.options.maxReconnects ?? DEFAULT_MAX_RECONNECTS;
    let failures = 0;
    while (this.end === undefined) {
      if (signal?.aborted) throw new AbortError('aborted');
      this.opened = false;
      try {
        yield* this.connection();
        if (this.end !== undefined) return;
      } catch (err) {
        if (signal?.aborted) throw new AbortError('aborted');
        // HTTP errors, invalid events and aborts end the iteration; only drops are resumed.
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

  /** One connection: its events until the server ends it or it drops (DroppedError). */
  private async *connection(): AsyncGenerator<JobStreamEvent, void, undefined> {
    const { signal } = this.options;
    const first = !this.connected;
    const s = this.selector;
    const { body } = await this.core.stream({
      ...('jobId' in s
        ? { path: `/v3/jobs/${encodeURIComponent(s.jobId)}/events` }
        : { path: '/v3/jobs/events', query: filterQuery(s) }),
      headers: this.lastEventId !== undefined ? { 'Last-Event-ID': this.lastEventId } : {},
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
      arm();
      for await (const chunk of body) {
        arm();
        const text = decoder.decode(chunk as Uint8Array, { stream: true });
        for (const msg of parser.feed(text)) {
          if (parser.retryMs !== undefined) this.retryMs = parser.retryMs;
          if (msg.event === 'end') {
            this.end = parse(jobStreamEndSchema, msg.data, 'end');
            return;
          }
          if (msg.event !== 'message') continue;
          const event = parse(jobStreamEventSchema, msg.data, 'event');
          this.lastEventId = msg.id ?? this.lastEventId;
          yield event;
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
    // Ended without `end` (a one-job stream), or an all-jobs stream closed: resume.
    throw new DroppedError(new ConnectionError('the event stream closed before its end'));
  }
}

/** A connection that was made and then lost: resumed, unlike a connection never made. */
class DroppedError extends Error {
  constructor(override readonly cause: ConnectionError) {
    super(cause.message);
  }
}

function parse<S extends z.ZodType>(schema: S, data: string, what: string): z.output<S> {
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

function filterQuery(filter: {
  status?: JobStatus[];
  name?: string;
  tags?: string[];
}): Record<string, string> {
  const query: Record<string, string> = {};
  if (filter.status?.length) query.status = filter.status.join(',');
  if (filter.name !== undefined) query.name = filter.name;
  if (filter.tags?.length) query.tags = filter.tags.join(',');
  return query;
}
