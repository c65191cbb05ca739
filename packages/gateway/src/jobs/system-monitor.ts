import type { FastifyBaseLogger } from 'fastify';
import type { Lease } from '../coordination/leases.js';
import type { PollResult, Scheduler } from '../scheduler/scheduler.js';
import type { JobStore, WatchedJob } from '../store/job-store.js';
import type { Reconciler } from './reconciler.js';

export interface MonitorTimings {
  fastMs: number;
  idleMs: number;
  /** How long after a submit or stop the monitor keeps polling fast. */
  hotWindowMs: number;
}

/** After a stop, Slurm usually confirms within 100–200 ms: poll every 50 ms for 3 s. */
const URGENT_MS = 50;
const URGENT_WINDOW_MS = 3_000;

export interface CycleStats {
  at: string;
  watchedJobs: number;
  commands: number;
  durationMs: number;
  error: string | null;
}

/**
 * Watches one execution system: one poll per cycle for all its jobs, whatever their number and
 * their users, handed to the Reconciler. Polls fast for a while after a submit or a stop request,
 * slowly otherwise, and not at all when it has nothing to watch. It only polls: what the results
 * mean is the Reconciler's to decide. With replicas, only the holder of the system's poll lease
 * polls; the others' monitors wait for the lease (and poll at once when they get it).
 */
export class SystemMonitor {
  private running = false;
  private hotUntil = 0;
  private urgentUntil = 0;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  /** Resolvers of refresh() calls, satisfied by the next cycle that starts after them. */
  private refreshWaiters: Array<() => void> = [];
  private unwatchLease: () => void = () => {};
  lastCycle: CycleStats | null = null;
  /** Cycles that polled (something was watched), and those of them that failed: for metrics. */
  cycles = 0;
  failedCycles = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly store: JobStore,
    private readonly reconciler: Reconciler,
    private readonly timings: MonitorTimings,
    private readonly log: FastifyBaseLogger,
    /** The Unix account a job runs as: the poll lists those accounts' jobs. */
    private readonly accountOf: (job: WatchedJob) => string,
    /** The system's poll lease: this monitor polls only while this replica holds it. */
    private readonly lease: Lease,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    // A takeover polls at once: the jobs went unwatched while the lease passed.
    this.unwatchLease = this.lease.onChange((held) => {
      if (held) this.trigger();
    });
    this.loopDone = this.loop();
  }

  /** Whether this monitor polls now: started, and holding the lease. */
  polling(): boolean {
    return this.running && this.lease.held();
  }

  async close(): Promise<void> {
    this.running = false;
    this.unwatchLease();
    this.wake?.();
    await this.loopDone;
    for (const r of this.refreshWaiters.splice(0)) r();
  }

  /** Poll soon and keep polling fast for a while. */
  trigger(): void {
    this.hotUntil = Date.now() + this.timings.hotWindowMs;
    this.wake?.();
  }

  /** Poll very often for a few seconds: a job was just told to stop. */
  hurry(): void {
    this.urgentUntil = Date.now() + URGENT_WINDOW_MS;
    this.trigger();
  }

  /** Runs a fresh cycle (joining one that starts next) and resolves when it is done. */
  refresh(): Promise<void> {
    // Stopped (or never started): no cycle will come to resolve it.
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      this.refreshWaiters.push(resolve);
      this.trigger();
    });
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const waiters = this.refreshWaiters.splice(0);
      await this.cycle();
      for (const r of waiters) r();
      if (!this.running) break;
      if (this.refreshWaiters.length > 0) continue;
      const now = Date.now();
      const interval =
        now < this.urgentUntil
          ? Math.min(URGENT_MS, this.timings.fastMs)
          : now < this.hotUntil
            ? this.timings.fastMs
            : this.timings.idleMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, interval);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async cycle(): Promise<void> {
    // Another replica polls: nothing to do here until the lease comes this way.
    if (!this.lease.held()) return;
    const started = performance.now();
    let watched: WatchedJob[] = [];
    let result: PollResult | null = null;
    let error: string | null = null;
    try {
      watched = await this.store.watched(this.scheduler.systemId);
      if (watched.length === 0) return;
      const jobs = watched.flatMap((j) =>
        j.remoteJobId ? [{ remoteJobId: j.remoteJobId, gatewayJobId: j.id }] : [],
      );
      result = await this.scheduler.poll(jobs, [...new Set(watched.map(this.accountOf))]);
      // Lost during the poll (the database went quiet): the new holder judges these jobs.
      if (!this.lease.held()) throw new Error('the poll lease passed to another replica');
      const reconciled = await this.reconciler.reconcile(watched, result);
      result.commands += reconciled.commands;
      if (reconciled.again) this.trigger();
    } catch (err) {
      error = (err as Error).message;
      this.log.warn({ system: this.scheduler.systemId, err: error }, 'poll cycle failed');
    } finally {
      if (watched.length > 0) {
        this.cycles++;
        if (error !== null) this.failedCycles++;
        this.lastCycle = {
          at: new Date().toISOString(),
          watchedJobs: watched.length,
          commands: result?.commands ?? 0,
          durationMs: Math.round((performance.now() - started) * 10) / 10,
          error,
        };
      }
    }
  }
}
