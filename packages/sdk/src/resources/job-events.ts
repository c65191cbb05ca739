import {
  type JobStatus,
  type JobStreamEnd,
  type JobStreamEvent,
  jobStreamEndSchema,
  jobStreamEventSchema,
} from '@hpcgate/contract';
import type { RequestCore } from '../core/request.js';
import {
  type EventStreamRequest,
  parseEventData,
  ReconnectingEventStream,
  type ReconnectOptions,
} from '../core/sse.js';

/** Which events: one job's, or the caller's jobs narrowed as `/v3/jobs/list` narrows them. */
export type JobEventsSelector =
  | { jobId: string }
  | { status?: JobStatus[]; name?: string; tags?: string[] };

export interface JobEventsOptions extends Omit<ReconnectOptions, 'firstOpenRetries'> {
  /** Resume after this SSE id (what `stream.lastEventId` said), as `Last-Event-ID`. */
  lastEventId?: string;
}

/** @internal waitForJob and cancelJob: fail at once when the first connection cannot be made. */
export interface InternalJobEventsOptions extends JobEventsOptions {
  firstOpenRetries?: number;
}

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
  private readonly source: ReconnectingEventStream;

  constructor(
    core: RequestCore,
    selector: JobEventsSelector,
    options: InternalJobEventsOptions = {},
  ) {
    this.lastEventId = options.lastEventId;
    this.source = new ReconnectingEventStream(
      core,
      eventsRequest(selector),
      () => this.lastEventId,
      options,
    );
  }

  /** Whether a connection was ever made (the gateway offers the stream). */
  get connected(): boolean {
    return this.source.connected;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<JobStreamEvent, void, undefined> {
    if (this.end !== undefined) return;
    for await (const msg of this.source) {
      if (msg.event === 'end') {
        this.end = parseEventData(jobStreamEndSchema, msg.data, 'end');
        return;
      }
      if (msg.event !== 'message') continue;
      const event = parseEventData(jobStreamEventSchema, msg.data, 'event');
      this.lastEventId = msg.id ?? this.lastEventId;
      yield event;
    }
  }
}

function eventsRequest(s: JobEventsSelector): EventStreamRequest {
  if ('jobId' in s) return { path: `/v3/jobs/${encodeURIComponent(s.jobId)}/events` };
  const query: Record<string, string> = {};
  if (s.status?.length) query.status = s.status.join(',');
  if (s.name !== undefined) query.name = s.name;
  if (s.tags?.length) query.tags = s.tags.join(',');
  return { path: '/v3/jobs/events', query };
}
