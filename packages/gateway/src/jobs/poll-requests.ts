import { randomUUID } from 'node:crypto';
import type { BusMessage, ReplicaBus } from '../coordination/replica-bus.js';
import type { PollResult } from '../scheduler/scheduler.js';
import type { Monitors } from './monitors.js';
import type { PollTrigger } from './poll-trigger.js';

/**
 * The request side's way to a system's poller, wherever it runs: this replica's monitor when it
 * holds the system's poll lease, else a message to the replica that does. A `refresh` asked of
 * another replica resolves when that one says its poll is done, or after `refreshWaitMs` (no
 * replica holds the lease during a takeover: the caller then reads the store as it is).
 */
export class PollRequests implements PollTrigger {
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly monitors: Monitors,
    private readonly bus: ReplicaBus,
    private readonly refreshWaitMs: number,
  ) {}

  trigger(systemId: string): void {
    if (this.monitors.polls(systemId)) this.monitors.trigger(systemId);
    else this.bus.publish({ type: 'poll', system: systemId, kind: 'trigger' });
  }

  hurry(systemId: string, jobIds?: readonly string[]): void {
    if (this.monitors.polls(systemId)) this.monitors.hurry(systemId, jobIds);
    else this.bus.publish({ type: 'poll', system: systemId, kind: 'hurry', ...busJobs(jobIds) });
  }

  refresh(systemId: string, jobIds?: readonly string[]): Promise<void> {
    if (this.monitors.polls(systemId)) return this.monitors.refresh(systemId, jobIds);
    const request = randomUUID();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.refreshWaitMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiting.set(request, () => {
        this.waiting.delete(request);
        done();
      });
      this.bus.publish({
        type: 'poll',
        system: systemId,
        kind: 'refresh',
        request,
        ...busJobs(jobIds),
      });
    }).finally(() => this.waiting.delete(request));
  }

  /** Judged here only: another replica's poller would need the whole result on the bus. */
  report(systemId: string, jobIds: readonly string[], result: PollResult): Promise<boolean> {
    if (!this.monitors.polls(systemId)) return Promise.resolve(false);
    return this.monitors.report(systemId, jobIds, result);
  }

  /** A message from another replica: a poll it asks of this one, or the answer to ours. */
  receive(message: BusMessage): void {
    if (message.type === 'polled') {
      this.waiting.get(message.request)?.();
      return;
    }
    if (message.type !== 'poll' || !this.monitors.polls(message.system)) return;
    if (message.kind === 'trigger') this.monitors.trigger(message.system);
    else if (message.kind === 'hurry') this.monitors.hurry(message.system, message.jobs);
    else {
      const request = message.request;
      void this.monitors.refresh(message.system, message.jobs).then(() => {
        if (request) this.bus.publish({ type: 'polled', request });
      });
    }
  }
}

/**
 * Job ids for a bus message: a few, or none (then the holder polls the whole system, which covers
 * them): a message stays far below NOTIFY's 8,000-byte payload.
 */
function busJobs(jobIds: readonly string[] | undefined): { jobs?: string[] } {
  return jobIds && jobIds.length > 0 && jobIds.length <= MAX_BUS_JOBS ? { jobs: [...jobIds] } : {};
}

/** 100 UUIDs are 3,900 bytes of JSON. */
const MAX_BUS_JOBS = 100;
