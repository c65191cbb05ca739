import { isTerminal } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { PollResult, Scheduler } from '../scheduler/scheduler.js';
import type { JobChange, JobRecord, JobStore } from '../store/job-store.js';
import { changeFromRemote } from './remote-outcome.js';

/** What the monitor needs from the job service. */
export interface MonitorHost {
  apply(jobId: string, change: JobChange): Promise<JobRecord | undefined>;
  /** True while this process is handing the job to the scheduler. */
  isSubmitting(jobId: string): boolean;
  /** True while a stop signal for the job is on its way: its end is the stop's to record. */
  isSignalling(jobId: string): boolean;
  /** A job left in PROCESSING_INPUTS that the scheduler does not list: submit it (again). */
  resumeSubmission(job: JobRecord): void;
  /** A stop recorded but never (successfully) sent: send it. */
  resumeStop(job: JobRecord): void;
}

export interface MonitorTimings {
  fastMs: number;
  idleMs: number;
  /** How long after a submit or stop the monitor keeps polling fast. */
  hotWindowMs: number;
  /** How long a submission with no answer may take to show up in the scheduler's listing. */
  settleMs: number;
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
 * Watches one execution system: one poll per cycle for all its jobs, whatever their number.
 * Polls fast for a while after a submit or a stop request, slowly otherwise, and not at all when
 * it has nothing to watch.
 */
export class SystemMonitor {
  private running = false;
  private hotUntil = 0;
  private urgentUntil = 0;
  private wake: (() => void) | null = null;
  private loopDone: Promise<void> | null = null;
  /** Resolvers of refresh() calls, satisfied by the next cycle that starts after them. */
  private refreshWaiters: Array<() => void> = [];
  lastCycle: CycleStats | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly store: JobStore,
    private readonly host: MonitorHost,
    private readonly timings: MonitorTimings,
    private readonly log: FastifyBaseLogger,
    /** The Unix account a job runs as: its own commands (a re-sent cancel) are sent as it. */
    private readonly accountOf: (job: JobRecord) => string,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
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
    const started = performance.now();
    let watched: JobRecord[] = [];
    let result: PollResult | null = null;
    let error: string | null = null;
    try {
      watched = await this.store.watched(this.scheduler.systemId);
      if (watched.length === 0) return;
      const ids = watched.flatMap((j) => (j.remoteJobId ? [j.remoteJobId] : []));
      result = await this.scheduler.poll(ids, [...new Set(watched.map(this.accountOf))]);
      await this.apply(watched, result);
    } catch (err) {
      error = (err as Error).message;
      this.log.warn({ system: this.scheduler.systemId, err: error }, 'poll cycle failed');
    } finally {
      if (watched.length > 0) {
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

  private async apply(watched: JobRecord[], result: PollResult): Promise<void> {
    const now = new Date();
    /** Per account: Slurm ids of terminated jobs that Slurm still runs. */
    const stillRunningAfterTerminate = new Map<string, string[]>();
    for (const job of watched) {
      if (!job.remoteJobId) {
        if (!this.host.isSubmitting(job.id)) await this.reconcileUnrecorded(job, result);
        continue;
      }
      const remote = result.byId.get(job.remoteJobId);
      if (!remote) continue; // not listed yet, or purged without a record: ask again next cycle
      // Another account's job under this id is not this job, whatever it says.
      if (remote.remoteUser !== null && remote.remoteUser !== this.accountOf(job)) {
        this.log.warn(
          { jobId: job.id, remoteJobId: job.remoteJobId, remoteUser: remote.remoteUser },
          'Slurm lists this job id under another account: ignored',
        );
        continue;
      }
      // A stop on its way decides how this end is recorded; the stop refreshes right after.
      if (remote.phase === 'ended' && this.host.isSignalling(job.id)) continue;
      const change = changeFromRemote(job, remote, now);
      // Computed from the job as read at the start of the cycle: if anything changed it since
      // (a stop request, say), skip it now and judge it again next cycle.
      const updated = change
        ? await this.host.apply(job.id, { ...change, expectLastUpdated: job.lastUpdated })
        : job;
      if (!updated) {
        this.trigger();
        continue;
      }
      if (updated.status === 'CANCELLED' && !updated.remoteDone && remote.phase !== 'ended') {
        const account = this.accountOf(job);
        stillRunningAfterTerminate.set(account, [
          ...(stillRunningAfterTerminate.get(account) ?? []),
          job.remoteJobId,
        ]);
      }
      const stop = updated.stopRequest;
      if (
        !isTerminal(updated.status) &&
        stop &&
        (stop.outcome === 'REQUESTED' || stop.outcome === 'FAILED')
      ) {
        this.host.resumeStop(updated);
      }
    }
    // terminate: the job is CANCELLED for the user already; keep cancelling until Slurm agrees.
    for (const [account, remoteJobIds] of stillRunningAfterTerminate) {
      result.commands++;
      await this.scheduler.signal(remoteJobIds, 'cancel', account);
      this.trigger();
    }
  }

  /**
   * A job without a Slurm id that this process is not submitting: a previous run (or an answer
   * that never came) left it. If Slurm lists a job carrying its tag, that is its remote job (never
   * submit twice); if not, a PROCESSING_INPUTS job is submitted once the last attempt is old
   * enough to have shown up, and a terminated one is let go.
   */
  private async reconcileUnrecorded(job: JobRecord, result: PollResult): Promise<void> {
    const remote = result.byTag.get(job.id);
    if (remote && (remote.remoteUser === null || remote.remoteUser === this.accountOf(job))) {
      this.log.info(
        { jobId: job.id, remoteJobId: remote.remoteJobId },
        'found unrecorded remote job',
      );
      await this.host.apply(job.id, {
        patch: { remoteJobId: remote.remoteJobId, remoteSubmitted: new Date().toISOString() },
        events: [
          {
            event: 'REMOTE_SUBMITTED',
            actor: null,
            description: `found Slurm job ${remote.remoteJobId} carrying this job's tag`,
          },
        ],
        expectLastUpdated: job.lastUpdated,
      });
      this.trigger();
      return;
    }
    if (job.status === 'CANCELLED') {
      await this.host.apply(job.id, {
        patch: { remoteDone: true },
        expectLastUpdated: job.lastUpdated,
      });
      return;
    }
    if (
      job.status === 'PROCESSING_INPUTS' &&
      Date.now() - Date.parse(job.lastUpdated) > this.timings.settleMs
    ) {
      this.host.resumeSubmission(job);
    }
  }
}
