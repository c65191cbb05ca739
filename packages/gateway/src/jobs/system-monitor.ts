import type { FastifyBaseLogger } from 'fastify';
import type { Lease } from '../coordination/leases.js';
import type { Announcement, PollResult, Scheduler } from '../scheduler/scheduler.js';
import type { JobRecord, JobStore, WatchedJob } from '../store/job-store.js';
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
/**
 * Jobs in focus (just stopped, or announced by their wrapper) are looked at on their own: every
 * 10 ms for half a second, then every 50 ms. One `squeue` of one job costs ~10 ms, where a whole
 * cycle lists every job of the accounts (finished ones too).
 */
const FOCUS_MS = 10;
const FOCUS_SLOW_MS = 50;
const FOCUS_FAST_WINDOW_MS = 500;
/** How long after its wrapper announced its end a job is looked at closely. */
const ANNOUNCED_END_WINDOW_MS = 1_000;
/** More jobs in focus than this are left to the whole cycle (each is read from the store). */
const MAX_FOCUSED = 200;

/** What a job in focus waits for: Slurm done with it, or (announced start) its start seen. */
type FocusGoal = 'ended' | 'started';

interface Focus {
  goal: FocusGoal;
  since: number;
  until: number;
  next: number;
  /** The account whose wrapper announced it: the job must run as that account. */
  account?: string;
}

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
  /** Jobs looked at on their own, often, for a few seconds (see FOCUS_MS). */
  private readonly focused = new Map<string, Focus>();
  /** Resolvers of refresh(jobIds) calls, satisfied by the next cycle (of any kind) after them. */
  private focusWaiters: Array<() => void> = [];
  /** When the next whole cycle is due, and when the last one started. */
  private nextCycleAt = 0;
  private lastCycleStartedAt = 0;
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
    for (const r of this.focusWaiters.splice(0)) r();
  }

  /**
   * Poll soon and keep polling fast for a while. Triggers coming together (a burst of submits)
   * share cycles: at most one every URGENT_MS, so that whole listings do not crowd the
   * controller that the submissions need.
   */
  trigger(): void {
    this.hotUntil = Date.now() + this.timings.hotWindowMs;
    this.nextCycleAt = Math.min(this.nextCycleAt, this.lastCycleStartedAt + URGENT_MS);
    this.wake?.();
  }

  /**
   * Poll very often for a few seconds: a job was just told to stop. With `jobIds`, those jobs are
   * looked at on their own, back to back, until they are done with (or the few seconds are
   * over); whole cycles stay at their pace.
   */
  hurry(jobIds?: readonly string[]): void {
    const until = Date.now() + URGENT_WINDOW_MS;
    if (!jobIds || jobIds.length === 0 || !this.focus(jobIds, until)) {
      this.urgentUntil = until;
      this.trigger();
      return;
    }
    this.hotUntil = Date.now() + this.timings.hotWindowMs;
    this.wake?.();
  }

  /**
   * Runs a fresh cycle (joining one that starts next) and resolves when it is done. With
   * `jobIds`, a look at those jobs alone is enough (a whole cycle does too).
   */
  refresh(jobIds?: readonly string[]): Promise<void> {
    // Stopped (or never started): no cycle will come to resolve it.
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      if (jobIds && jobIds.length > 0 && this.focus(jobIds, Date.now() + FOCUS_SLOW_MS)) {
        this.focusWaiters.push(resolve);
        this.wake?.();
        return;
      }
      this.refreshWaiters.push(resolve);
      this.trigger();
    });
  }

  /**
   * What the scheduler said of these jobs just now, outside a poll (a stop's read-back): judged
   * as a focused look at them would be. False when this monitor does not poll (no lease).
   */
  async report(jobIds: readonly string[], result: PollResult): Promise<boolean> {
    if (!this.polling()) return false;
    const records = await Promise.all(jobIds.map((id) => this.store.get(id)));
    const watched = records.filter((j): j is JobRecord => j !== undefined && !this.doneWith(j));
    if (watched.length === 0) return true;
    const reconciled = await this.reconciler.reconcile(watched, result, { partial: true });
    if (reconciled.again) this.trigger();
    return true;
  }

  /**
   * A job's wrapper said it started or ended: look at it now (as its account's job only). A
   * start is looked at once (the wrapper runs only once Slurm says RUNNING); an end for up to a
   * second, while Slurm finishes it. A hint that was wrong costs no more than that.
   */
  announced(announcement: Announcement, account: string): void {
    if (!this.polling()) return;
    const started = announcement.event === 'start';
    const until = Date.now() + (started ? FOCUS_SLOW_MS : ANNOUNCED_END_WINDOW_MS);
    if (this.focus([announcement.gatewayJobId], until, started ? 'started' : 'ended', account)) {
      this.wake?.();
    }
  }

  /** Puts jobs in focus until `until` (never shortening it); false when too many already are. */
  private focus(
    jobIds: readonly string[],
    until: number,
    goal: FocusGoal = 'ended',
    account?: string,
  ): boolean {
    const fresh = jobIds.filter((id) => !this.focused.has(id));
    if (this.focused.size + fresh.length > MAX_FOCUSED) return false;
    const now = Date.now();
    for (const id of jobIds) {
      const had = this.focused.get(id);
      this.focused.set(id, {
        // A stop's goal (ended) outranks an announced start.
        goal: had?.goal === 'ended' ? 'ended' : goal,
        since: had?.since ?? now,
        until: Math.max(until, had?.until ?? 0),
        next: now,
        // Asked for by the gateway itself (a stop): no account to check.
        account: had && had.account === undefined ? undefined : account,
      });
    }
    return true;
  }

  /** When the next job in focus is due, or Infinity. */
  private nextFocusAt(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const f of this.focused.values()) next = Math.min(next, f.next);
    return next;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const now = Date.now();
      if (this.refreshWaiters.length > 0 || now >= this.nextCycleAt) {
        const waiters = [...this.refreshWaiters.splice(0), ...this.focusWaiters.splice(0)];
        this.lastCycleStartedAt = Date.now();
        await this.cycle();
        for (const r of waiters) r();
        this.nextCycleAt = Date.now() + this.interval();
      } else if (this.focusWaiters.length > 0 || this.nextFocusAt() <= now) {
        const waiters = this.focusWaiters.splice(0);
        await this.focusedCycle();
        for (const r of waiters) r();
      }
      if (!this.running) break;
      if (this.refreshWaiters.length > 0 || this.focusWaiters.length > 0) continue;
      const wait = Math.min(this.nextFocusAt(), this.nextCycleAt) - Date.now();
      if (wait <= 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private interval(): number {
    const now = Date.now();
    return now < this.urgentUntil
      ? Math.min(URGENT_MS, this.timings.fastMs)
      : now < this.hotUntil
        ? this.timings.fastMs
        : this.timings.idleMs;
  }

  /**
   * The jobs in focus that are due, alone: read from the store and polled as a whole cycle would
   * poll them (one job is asked about by its id). A job leaves focus once it reached what it
   * waits for, or when its time is up.
   */
  private async focusedCycle(): Promise<void> {
    const now = Date.now();
    if (!this.lease.held()) {
      this.focused.clear();
      return;
    }
    const due: string[] = [];
    for (const [id, f] of this.focused) {
      if (f.until < now) this.focused.delete(id);
      else if (f.next <= now) {
        due.push(id);
        f.next = now + (now - f.since < FOCUS_FAST_WINDOW_MS ? FOCUS_MS : FOCUS_SLOW_MS);
      }
    }
    if (due.length === 0) return;
    try {
      const records = await Promise.all(due.map((id) => this.store.get(id)));
      const watched: WatchedJob[] = [];
      for (const [i, job] of records.entries()) {
        const id = due[i]!;
        const f = this.focused.get(id);
        if (!job || !f || this.reached(job, f)) {
          this.focused.delete(id);
          continue;
        }
        watched.push(job);
        // An announced start is looked at once.
        if (f.goal === 'started') this.focused.delete(id);
      }
      if (watched.length === 0) return;
      const jobs = watched.map((j) => ({ remoteJobId: j.remoteJobId!, gatewayJobId: j.id }));
      const result = await this.scheduler.poll(jobs, [...new Set(watched.map(this.accountOf))]);
      if (!this.lease.held()) return;
      const reconciled = await this.reconciler.reconcile(watched, result, { partial: true });
      if (reconciled.again) this.trigger();
    } catch (err) {
      // The whole cycle is the safety net: it runs at its own pace whatever happens here.
      for (const id of due) this.focused.delete(id);
      this.log.warn(
        { system: this.scheduler.systemId, err: (err as Error).message },
        'focused poll failed',
      );
    }
  }

  /** Nothing more to look for (or not this monitor's to look at). */
  private reached(job: JobRecord, focus: Focus): boolean {
    if (this.doneWith(job)) return true;
    if (focus.account !== undefined && this.accountOf(job) !== focus.account) return true;
    return (
      focus.goal === 'started' && job.status !== 'PENDING' && job.status !== 'PROCESSING_INPUTS'
    );
  }

  /** Slurm is done with the job, or it is not this monitor's to look at (no id, another system). */
  private doneWith(job: JobRecord): boolean {
    return job.remoteDone || !job.remoteJobId || job.execSystemId !== this.scheduler.systemId;
  }

  private async cycle(): Promise<void> {
    // Another replica polls: nothing to do here until the lease comes this way.
    if (!this.lease.held()) {
      this.scheduler.follow([], () => {});
      return;
    }
    const started = performance.now();
    let watched: WatchedJob[] = [];
    let result: PollResult | null = null;
    let error: string | null = null;
    try {
      watched = await this.store.watched(this.scheduler.systemId);
      if (watched.length === 0) {
        this.scheduler.follow([], () => {});
        return;
      }
      const jobs = watched.flatMap((j) =>
        j.remoteJobId ? [{ remoteJobId: j.remoteJobId, gatewayJobId: j.id }] : [],
      );
      // A job Slurm may have without the gateway knowing its id is looked for by its tag.
      const tagged = watched.filter((j) => !j.remoteJobId).map((j) => j.id);
      // Newest jobs' accounts first: the scheduler may follow only so many.
      const accounts = [...new Set(watched.map(this.accountOf).reverse())];
      this.scheduler.follow(accounts, (a, account) => this.announced(a, account));
      result = await this.scheduler.poll(jobs, accounts, { tagged });
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
