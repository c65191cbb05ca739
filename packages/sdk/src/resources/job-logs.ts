import {
  type LogChunk,
  type LogEnd,
  type LogStream,
  logChunkSchema,
  logEndSchema,
  logSkippedSchema,
} from '@hpcgate/contract';
import type { RequestCore } from '../core/request.js';
import { parseEventData, ReconnectingEventStream, type ReconnectOptions } from '../core/sse.js';

export interface FollowLogsOptions extends Omit<ReconnectOptions, 'firstOpenRetries'> {
  jobId: string;
  /** Default `stdout`. */
  stream?: LogStream;
  /** Keep going until the job is over (default); false: what is written so far, then end. */
  follow?: boolean;
  /** The byte to start at (default 0), e.g. a previous stream's `offset`. */
  offset?: number;
}

/** One line of the log. */
export interface LogLine {
  kind: 'line';
  stream: LogStream;
  /** The line's text, without its `\n` (a `\r` before it is kept). */
  line: string;
  /** The byte offset of the line's first byte in the log. */
  offset: number;
  /** The log's last line, which had no `\n` when the stream ended. */
  partial: boolean;
}

/**
 * Bytes `[from, to)` of the log that the gateway left out (a catch-up larger than its bound);
 * `downloadOutput({ path: stream, range: { start: from, end: to - 1 } })` has them.
 */
export interface LogGap {
  kind: 'skipped';
  stream: LogStream;
  from: number;
  to: number;
  reason: string;
}

export type LogItem = LogLine | LogGap;

/**
 * `client.jobs.followLogs(…)`: a job's stdout or stderr as an async iterable of lines, each with
 * the byte offset it starts at, and of gaps (`kind: 'skipped'`), in the order they fall in the
 * log: a gap is an item rather than a callback so that it cannot be missed and its place among
 * the lines is kept. A dropped connection is resumed with `Last-Event-ID` at the byte after the
 * last one received, and whatever the gateway sends again is dropped, so each line comes once.
 * The iteration ends at the gateway's `end` (then `end` holds it); `break` or abort to stop
 * earlier. Offsets count the bytes as written; within a chunk holding invalid UTF-8 (shown as
 * U+FFFD) they are counted from the replacement characters, and exact again from the next chunk.
 */
export class JobLogStream implements AsyncIterable<LogItem> {
  /** The `end` event, once it came: the job's status and where the log's bytes came from. */
  end: LogEnd | undefined;
  /** The byte after the last one received: where a dropped connection resumes. */
  private received: number;
  /** The start of a line whose `\n` has not come yet. */
  private pending: { text: string; offset: number } | undefined;
  private readonly source: ReconnectingEventStream;
  private readonly stream: LogStream;

  constructor(core: RequestCore, options: FollowLogsOptions) {
    const { jobId, stream = 'stdout', follow = true, offset = 0 } = options;
    this.stream = stream;
    this.received = offset;
    this.source = new ReconnectingEventStream(
      core,
      {
        path: `/v3/jobs/${encodeURIComponent(jobId)}/logs`,
        query: { stream, follow: String(follow), offset: String(offset) },
      },
      // The position from the data rather than the SSE ids: a `skipped` event moves it too.
      () => (this.source.connected ? String(this.received) : undefined),
      options,
    );
  }

  /** Where a new `followLogs` would start to get the next line not yet yielded. */
  get offset(): number {
    return this.pending?.offset ?? this.received;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LogItem, void, undefined> {
    if (this.end !== undefined) return;
    for await (const msg of this.source) {
      if (msg.event === 'log') {
        yield* this.lines(parseEventData(logChunkSchema, msg.data, 'log chunk'));
      } else if (msg.event === 'skipped') {
        const gap = parseEventData(logSkippedSchema, msg.data, 'skipped event');
        if (gap.to <= this.received) continue; // sent again after a resume
        yield* this.flush();
        this.received = gap.to;
        yield { kind: 'skipped', stream: this.stream, ...gap };
      } else if (msg.event === 'end') {
        this.end = parseEventData(logEndSchema, msg.data, 'end');
        yield* this.flush();
        return;
      }
    }
  }

  /** The whole lines a chunk completes; the rest waits for its `\n` (or the end). */
  private *lines(chunk: LogChunk): Generator<LogLine> {
    let { text, offset } = chunk;
    if (chunk.next <= this.received) return; // all of it was received before a resume
    if (offset < this.received) {
      // A resume that starts before what was received: keep only the new bytes.
      text = Buffer.from(text, 'utf8')
        .subarray(this.received - offset)
        .toString('utf8');
      offset = this.received;
    } else if (offset > this.received) {
      // Bytes missing without a `skipped`: the line in progress cannot be continued.
      yield* this.flush();
    }
    this.received = chunk.next;
    let start = this.pending?.offset ?? offset;
    const all = (this.pending?.text ?? '') + text;
    this.pending = undefined;
    let pos = 0;
    for (let nl = all.indexOf('\n'); nl >= 0; nl = all.indexOf('\n', pos)) {
      const line = all.slice(pos, nl);
      yield { kind: 'line', stream: this.stream, line, offset: start, partial: false };
      start += Buffer.byteLength(line, 'utf8') + 1;
      pos = nl + 1;
    }
    if (pos < all.length) this.pending = { text: all.slice(pos), offset: start };
  }

  /** The line in progress, as it is: the log ended (or was cut) before its `\n`. */
  private *flush(): Generator<LogLine> {
    if (!this.pending) return;
    const { text, offset } = this.pending;
    this.pending = undefined;
    yield { kind: 'line', stream: this.stream, line: text, offset, partial: true };
  }
}
