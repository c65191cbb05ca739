import type { Job, JobStatus } from '@hpcgate/contract';
import {
  AbortError,
  ConnectionError,
  HpcgateError,
  NotFoundError,
  RateLimitError,
} from '../core/errors.js';
import { type RequestCore, sleep } from '../core/request.js';
import { JobEventStream } from './job-events.js';

/**
 * Waiting for a job to reach a state, shared by `waitForJob` and `cancelJob({ wait })`: watching
 * the job's event stream, and polling where there is none. Each caller decides what a deadline
 * or a missing stream means for it (an error, the job as it is, or the other way to wait).
 */

/** Reads the job (`jobs.getJob`). */
export type ReadJob = (jobId: string, signal: AbortSignal | undefined) => Promise<Job>;

export interface WaitSpec {
  jobId: string;
  /** Whether a status ends the wait. */
  done: (status: JobStatus) => boolean;
  /** Epoch ms; `Infinity` for none. */
  deadline: number;
  signal?: AbortSignal | undefined;
  /** Called with the job each time it is read. */
  onPoll?: ((job: Job) => void) | undefined;
}

/** How watching the stream came out. */
export type WatchOutcome =
  /** An event said `done`, and reading the job confirmed it. */
  | { kind: 'done'; job: Job }
  /** The deadline passed; `status` is the last one known (from an event, or the job read before). */
  | { kind: 'timeout'; status: JobStatus | undefined }
  /**
   * No stream to be had here (no route, too many open, no connection), or it ended without
   * `done` (the job ended otherwise than `until` asked): waiting the other way decides.
   */
  | { kind: 'fallback' };

export interface EventWatch {
  /**
   * True once the stream is open (the gateway replays the job's history, then goes live, so
   * nothing written after this is missed); false when it closed without opening.
   */
  listening: Promise<boolean>;
  /** Rejects with the stream's error when it is not one of `fallback`'s, and on abort. */
  outcome: Promise<WatchOutcome>;
  /** Stops watching (the outcome then rejects with AbortError, which nobody needs to read). */
  stop(): void;
}

const POLL_MIN_MS = 250;
const POLL_MAX_MS = 5_000;

/**
 * Starts watching the job's event stream at once, reading the job whenever an event says it may
 * be done. The first connection is not retried (`via: 'events'` aside): where it cannot be made,
 * the other way to wait is there at once.
 */
export function watchJobEvents(
  core: RequestCore,
  read: ReadJob,
  spec: WaitSpec & { via?: 'auto' | 'events'; status?: JobStatus },
): EventWatch {
  const { jobId, done, deadline, signal, onPoll, via = 'auto' } = spec;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) controller.abort();
  let timedOut = false;
  const timer = Number.isFinite(deadline)
    ? setTimeout(
        () => {
          timedOut = true;
          controller.abort();
        },
        Math.max(0, deadline - Date.now()),
      )
    : undefined;
  let opened: (open: boolean) => void = () => {};
  const listening = new Promise<boolean>((resolve) => {
    opened = resolve;
  });
  const stream = new JobEventStream(
    core,
    { jobId },
    {
      signal: controller.signal,
      firstOpenRetries: via === 'events' ? undefined : 0,
      onOpen: () => opened(true),
    },
  );
  let status = spec.status;
  const outcome = (async (): Promise<WatchOutcome> => {
    try {
      for await (const event of stream) {
        status = event.status;
        if (!done(event.status)) continue;
        const job = await read(jobId, controller.signal);
        onPoll?.(job);
        status = job.status;
        if (done(job.status)) return { kind: 'done', job };
      }
      return { kind: 'fallback' };
    } catch (err) {
      if (timedOut && err instanceof HpcgateError && !(signal?.aborted ?? false)) {
        return { kind: 'timeout', status };
      }
      if (err instanceof AbortError) throw err;
      if (!stream.connected && unavailable(err) && via !== 'events') return { kind: 'fallback' };
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      opened(false);
    }
  })();
  // Read by the caller, or dropped after stop(): never an unhandled rejection.
  outcome.catch(() => {});
  return { listening, outcome, stop: () => controller.abort() };
}

/** No stream route, none to be had (the per-user bound on open streams), or no connection. */
function unavailable(err: unknown): boolean {
  return (
    err instanceof ConnectionError ||
    (err instanceof NotFoundError && err.code === 'ROUTE_NOT_FOUND') ||
    (err instanceof RateLimitError && err.code === 'TOO_MANY_STREAMS')
  );
}

/**
 * Reads the job (250 ms apart, growing by half to 5 s) until it is `done` or the deadline passes;
 * `first` is a read already made (and already reported to onPoll). `reached` says which.
 */
export async function pollJob(
  read: ReadJob,
  { jobId, done, deadline, signal, onPoll }: WaitSpec,
  first?: Job,
): Promise<{ job: Job; reached: boolean }> {
  let delay = POLL_MIN_MS;
  let job = first;
  for (;;) {
    if (!job) {
      job = await read(jobId, signal);
      onPoll?.(job);
    }
    if (done(job.status)) return { job, reached: true };
    const left = deadline - Date.now();
    if (left <= 0) return { job, reached: false };
    await sleep(Math.min(delay, left), signal);
    delay = Math.min(delay * 1.5, POLL_MAX_MS);
    job = undefined;
  }
}
