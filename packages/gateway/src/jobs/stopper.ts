import {
  type EscalationStep,
  isTerminal,
  NON_TERMINAL_STATUSES,
  STOP_MODE_STRENGTH,
  type StopJobResult,
  type StopMode,
  type StopRequest,
} from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { JobLocks } from '../coordination/job-locks.js';
import { JobNotCancellableError, JobNotFoundError } from '../domain/errors.js';
import {
  SchedulerCommandError,
  SchedulerTimeoutError,
  SchedulerUnavailableError,
} from '../scheduler/errors.js';
import type { SignalMode, SignalOptions, SignalResult } from '../scheduler/scheduler.js';
import type { JobRecord, JobStore, WatchedJob } from '../store/job-store.js';
import type { Caller } from './caller.js';
import { clusterAccount, jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import type { JobEvents } from './job-events.js';
import type { JobWriter } from './job-writer.js';
import type { PollTrigger } from './poll-trigger.js';

/**
 * Failures that say nothing about the job: the cluster (SSH, or the Slurm controller behind it)
 * did not answer. A stop that meets one is kept and sent later, not refused.
 */
function isTransient(err: unknown): boolean {
  if (err instanceof SchedulerUnavailableError || err instanceof SchedulerTimeoutError) return true;
  return (
    err instanceof SchedulerCommandError &&
    /unable to contact slurm controller|socket timed out|connection refused/i.test(err.stderr)
  );
}

/** The job's Slurm id now names another job: the stop was not sent (502 to the caller). */
class RemoteJobChangedError extends SchedulerCommandError {
  constructor(systemId: string, message: string) {
    super(systemId, message, null, '');
  }
}

/** Ids signalled in one remote command (a bulk stop sends several): bounds its length. */
const MAX_TARGETS = 200;

/** A terminated job that Slurm still runs gets `scancel` again, at first soon, then less often. */
const RESEND_MIN_MS = 1_000;
const RESEND_MAX_MS = 60_000;

/**
 * Stops jobs the way users ask, and is the only code that sends a job a signal: records the
 * request, sends one signal per job and mode however many requests come at once (under the job's
 * lock, after a submission under way), and lets Slurm (through the monitor) say when the job
 * ended.
 */
export class Stopper {
  /** Terminated jobs Slurm still runs: when their cancel was last re-sent, and how often. */
  private readonly resent = new Map<string, { at: number; times: number }>();

  constructor(
    private readonly store: JobStore,
    private readonly writer: JobWriter,
    private readonly events: JobEvents,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly locks: JobLocks,
    private readonly polls: PollTrigger,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Stops a job as `mode` says. Resolves to the job as it is once the stop was carried out (and,
   * with `waitMs`, once it ended or the time ran out).
   */
  async request(
    caller: Caller,
    owned: JobRecord,
    mode: StopMode,
    waitMs?: number,
    escalate: readonly EscalationStep[] = [],
    tasks?: string,
  ): Promise<JobRecord> {
    let job = owned;
    if (isTerminal(job.status)) throw new JobNotCancellableError(job.id, job.status);
    // The owner must still have an account there (an admin acts through the job's own account).
    if (!caller.isAdmin) await clusterAccount(this.system(job), caller);
    if (
      (mode === 'interrupt' || mode === 'force-stop' || mode === 'drain') &&
      job.status === 'PENDING'
    ) {
      // Our PENDING may be a poll old: ask Slurm before turning these into a plain cancel.
      await this.polls.refresh(job.execSystemId, [job.id]);
      job = await this.reread(job);
      if (isTerminal(job.status)) throw new JobNotCancellableError(job.id, job.status);
    }
    // interrupt only means something to a running job; before that it acts as cancel.
    const effective: StopMode = mode === 'interrupt' && job.status !== 'RUNNING' ? 'cancel' : mode;
    // Concurrent requests of one mode share one run; every interrupt is its own.
    const share =
      effective === 'interrupt'
        ? `stop:interrupt:${Math.random()}`
        : `stop:${effective}:${tasks ?? 'all'}`;
    // Steps no stronger than what is sent (an interrupt of a queued job is a cancel) are moot.
    const steps = escalate.filter((s) => STOP_MODE_STRENGTH[s.to] > STOP_MODE_STRENGTH[effective]);
    job = await this.locks.run(job.id, 'signal', share, () =>
      this.carryOutStop(caller, job.id, effective, steps, tasks),
    );
    this.watchEscalation(job);
    if (waitMs && waitMs > 0 && !isTerminal(job.status)) {
      const ended = this.events.untilTerminal(job.id, waitMs);
      // The job may have ended between the run above and the subscription.
      const now = await this.reread(job);
      if (isTerminal(now.status)) {
        ended.cancel();
        return now;
      }
      return (await ended.job) ?? (await this.reread(job));
    }
    return job;
  }

  /**
   * Stops each of `jobs` (or, with `whatIf`, says what it would stop): one result per job. Jobs
   * Slurm has and nothing else is busy with are stopped together: one look at Slurm, then one
   * signal command per system, account and signal for all of them, then one look again. The
   * others (not yet in Slurm, busy, or terminate) go one by one.
   */
  async many(
    caller: Caller,
    jobs: JobRecord[],
    mode: StopMode,
    whatIf: boolean,
  ): Promise<StopJobResult[]> {
    const results = new Map<string, StopJobResult>();
    const together: JobRecord[] = [];
    const alone: JobRecord[] = [];
    for (const job of jobs) {
      if (isTerminal(job.status)) results.set(job.id, notCancellable(job, job.status));
      else if (whatIf) results.set(job.id, result(job, 'would_stop', job.status, null, job));
      else if (job.remoteJobId && mode !== 'terminate' && !this.locks.holder(job.id)) {
        together.push(job);
      } else alone.push(job);
    }
    for (const [systemId, group] of groupBy(together, (j) => j.execSystemId)) {
      for (const r of await this.stopTogether(caller, systemId, group, mode))
        results.set(r.jobId, r);
    }
    // A handful at a time: each is its own command and look at Slurm.
    let next = 0;
    const worker = async () => {
      while (next < alone.length) {
        const job = alone[next++]!;
        results.set(job.id, await this.stopAlone(caller, job, mode));
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, alone.length) }, worker));
    return jobs.map((j) => results.get(j.id)!);
  }

  private async stopAlone(caller: Caller, job: JobRecord, mode: StopMode): Promise<StopJobResult> {
    try {
      const after = await this.request(caller, job, mode);
      return result(job, 'stopped', after.status, null, after);
    } catch (err) {
      if (err instanceof JobNotCancellableError)
        return notCancellable(job, err.status, err.message);
      const now = await this.store.get(job.id);
      return result(job, 'error', now?.status ?? job.status, (err as Error).message, null);
    }
  }

  private async stopTogether(
    caller: Caller,
    systemId: string,
    jobs: JobRecord[],
    mode: StopMode,
  ): Promise<StopJobResult[]> {
    const system = this.systems.get(systemId)!;
    try {
      if (!caller.isAdmin) await clusterAccount(system, caller);
    } catch (err) {
      return jobs.map((j) => result(j, 'error', j.status, (err as Error).message, null));
    }
    // The jobs' locks for the whole operation: the monitor leaves their stops to us meanwhile.
    const release = await this.locks.hold(
      jobs.map((j) => j.id),
      'signal',
    );
    try {
      return await this.signalTogether(caller, system, jobs, mode);
    } finally {
      release();
    }
  }

  private async signalTogether(
    caller: Caller,
    system: ExecutionSystem,
    jobs: JobRecord[],
    mode: StopMode,
  ): Promise<StopJobResult[]> {
    const systemId = system.config.id;
    // Fresh states first: a job our record calls PENDING may have started (it then gets the
    // signal asked for, not a plain cancel). A cancel is the same signal in every state: as for
    // one job, Slurm's word after it decides (a job that had ended keeps its own outcome).
    const ids = jobs.map((j) => j.id);
    if (mode !== 'cancel') await this.polls.refresh(systemId, ids);
    const out: StopJobResult[] = [];
    const toSignal: JobRecord[] = [];
    for (const job of jobs) {
      const fresh = await this.store.get(job.id);
      if (!fresh || isTerminal(fresh.status)) {
        out.push(notCancellable(job, fresh?.status ?? job.status));
        continue;
      }
      try {
        const { recorded, alreadySent } = await this.recordRequest(caller, fresh, mode);
        if (alreadySent) out.push(result(recorded, 'stopped', recorded.status, null, recorded));
        else toSignal.push(recorded);
      } catch (err) {
        if (err instanceof JobNotCancellableError) out.push(notCancellable(job, err.status));
        else throw err;
      }
    }
    const bySignal = groupBy(toSignal, (j) => {
      // A queued job has no processes to interrupt or kill: leaving the queue is its stop.
      const signal = signalFor(j, mode);
      return `${jobAccount(j, system)}\u0000${signal}`;
    });
    // Jobs whose stop was already under way are answered as a fresh look finds them.
    let unseen = out.some((r) => r.outcome === 'stopped');
    for (const [key, group] of bySignal) {
      const signal = key.split('\u0000')[1] as SignalMode;
      // Read back in the same command: the answer below is then Slurm's word without a poll.
      const sent = await this.sendSignals(group, signal, caller.username, { readBack: true });
      for (const { job, error, observed } of sent) {
        unseen ||= !observed;
        out.push(
          error
            ? result(job, 'error', job.status, error.message, null)
            : result(job, 'stopped', job.status, null, job),
        );
      }
    }
    this.polls.hurry(systemId, ids);
    if (unseen) await this.polls.refresh(systemId, ids);
    // Answer with what Slurm says now.
    return Promise.all(
      out.map(async (r) => {
        if (r.outcome !== 'stopped') return r;
        const now = await this.store.get(r.jobId);
        return now ? { ...r, status: now.status, job: now } : r;
      }),
    );
  }

  /** A stop that was recorded but not (or not successfully) sent: send it now, in the background. */
  resume(job: WatchedJob): void {
    const mode = job.stopRequest?.mode;
    if (!mode || mode === 'terminate' || this.locks.holder(job.id)) return;
    // A stop of some tasks that failed is not sent again unasked: re-sent, it would reach the
    // whole array (and the user sees STOP_FAILED and may ask again).
    if (job.stopRequest?.tasks) return;
    // An interrupt that failed may have reached the job all the same: never repeated unasked.
    if (mode === 'interrupt' && job.stopRequest?.outcome === 'FAILED') return;
    const seen = job.stopRequest!;
    this.locks
      .run(job.id, 'signal', 'resume', async () => {
        // Read under the lock: another replica's stop may have been sent while this one waited.
        const now = await this.store.get(job.id);
        const stop = now?.stopRequest;
        if (!now || isTerminal(now.status) || !stop || stop.mode !== mode) return;
        if (stop.outcome !== seen.outcome || stop.requestedAt !== seen.requestedAt) return;
        await this.sendSignal(now, signalFor(now, mode), stop.requestedBy);
      })
      .catch((err: Error) =>
        this.log.warn({ jobId: job.id, err: err.message }, 'stop still not sent'),
      );
  }

  /**
   * terminate: these jobs are CANCELLED for their users already; Slurm still runs them. Cancel
   * them again, each with a growing pause (a job stuck in COMPLETING gets one scancel a minute,
   * not one per cycle). One command per account. Resolves to the commands sent.
   */
  async resendCancels(systemId: string, jobs: readonly WatchedJob[]): Promise<number> {
    const now = Date.now();
    this.forgetOldResends(now);
    const due = jobs.filter((job) => {
      const last = this.resent.get(job.id);
      return !last || now - last.at >= Math.min(RESEND_MIN_MS * 2 ** last.times, RESEND_MAX_MS);
    });
    const system = this.systems.get(systemId)!;
    const byAccount = new Map<string, WatchedJob[]>();
    for (const job of due) {
      const account = jobAccount(job, system);
      byAccount.set(account, [...(byAccount.get(account) ?? []), job]);
    }
    for (const [account, group] of byAccount) {
      for (const job of group) {
        const last = this.resent.get(job.id);
        this.resent.set(job.id, { at: now, times: (last?.times ?? 0) + 1 });
      }
      await system.scheduler.signal(
        group.map((j) => ({ remoteJobId: j.remoteJobId!, gatewayJobId: j.id })),
        'cancel',
        account,
      );
    }
    return byAccount.size;
  }

  /**
   * A Slurm job carrying this job's tag that is not the job's own (a late sbatch that landed
   * after the gateway gave up on it, or a second copy): cancelled, as the job's account, and
   * written to the job's history.
   */
  async cancelLateArrival(job: WatchedJob, remoteJobId: string): Promise<void> {
    // Paced like terminate's re-sends: a copy stuck in COMPLETING is not cancelled every cycle.
    const key = `${job.id}:${remoteJobId}`;
    const now = Date.now();
    this.forgetOldResends(now);
    const last = this.resent.get(key);
    if (last && now - last.at < Math.min(RESEND_MIN_MS * 2 ** last.times, RESEND_MAX_MS)) return;
    this.resent.set(key, { at: now, times: (last?.times ?? 0) + 1 });
    const system = this.system(job);
    const sent = await system.scheduler.signal(
      [{ remoteJobId, gatewayJobId: job.id }],
      'cancel',
      jobAccount(job, system),
    );
    if (sent.notThisJob.length > 0) return;
    await this.writer.apply(job.id, {
      events: [
        {
          event: 'STOP_SIGNALLED',
          actor: null,
          description: `cancelled Slurm job ${remoteJobId}: a late copy carrying this job's tag`,
        },
      ],
    });
  }

  /** The pacing of re-sends an hour old is forgotten: the map holds recent jobs only. */
  private forgetOldResends(now: number): void {
    for (const [key, { at }] of this.resent) if (now - at > 3_600_000) this.resent.delete(key);
  }

  /**
   * The next step of a job's escalation, once it is due and Slurm still runs the job: recorded
   * (STOP_ESCALATED, naming why) and sent as a stop of its own, by the user who asked for the
   * first. The Reconciler hands due escalations here every cycle, so they outlive a restart.
   */
  escalate(job: WatchedJob): void {
    const plan = job.stopRequest?.escalation;
    if (!plan || isTerminal(job.status) || Date.parse(plan.dueAt) > Date.now()) return;
    if (this.locks.holder(job.id)) return;
    this.locks
      .run(job.id, 'signal', 'escalate', () => this.escalateNow(job.id))
      .then((after) => after && this.watchEscalation(after))
      .catch((err: Error) =>
        this.log.warn({ jobId: job.id, err: err.message }, 'escalation step not sent yet'),
      );
  }

  private async escalateNow(jobId: string): Promise<JobRecord | null> {
    const job = await this.store.get(jobId);
    const stop = job?.stopRequest;
    const plan = stop?.escalation;
    if (!job || !stop || !plan || isTerminal(job.status)) return null;
    if (Date.parse(plan.dueAt) > Date.now()) return null;
    const [step, ...rest] = plan.steps;
    if (!step) return null;
    const waited = Math.round((Date.now() - Date.parse(stop.requestedAt)) / 1000);
    await this.writer.apply(job.id, {
      events: [
        {
          event: 'STOP_ESCALATED',
          actor: null,
          description: `still ${job.status} ${step.afterSeconds} s after ${stop.mode} (${waited} s after the first request): ${step.to}`,
        },
      ],
      expectStatus: NON_TERMINAL_STATUSES,
    });
    // The user who asked for the escalation; their account was checked when they asked.
    const caller: Caller = { username: stop.requestedBy, isAdmin: true };
    return this.carryOutStop(caller, job.id, step.to, rest);
  }

  /** Pokes the monitor when the job's next escalation step is due (its cycle hands it back here). */
  private watchEscalation(job: JobRecord): void {
    const plan = job.stopRequest?.escalation;
    if (!plan || isTerminal(job.status)) return;
    const delay = Math.max(0, Date.parse(plan.dueAt) - Date.now());
    setTimeout(() => this.polls.trigger(job.execSystemId), delay + 10).unref();
  }

  /** Forgets the re-send pacing of jobs Slurm confirmed ended. */
  confirmedEnded(jobId: string): void {
    this.resent.delete(jobId);
  }

  /**
   * Writes the stop request (and STOP_REQUESTED) to the job. `alreadySent`: a second cancel (or
   * force-stop) while Slurm is still ending the job sends nothing more; every interrupt is sent.
   */
  private async recordRequest(
    caller: Caller,
    job: JobRecord,
    mode: StopMode,
    escalate: readonly EscalationStep[] = [],
    tasks?: string,
  ): Promise<{ recorded: JobRecord; alreadySent: boolean }> {
    const previous = job.stopRequest;
    // A stop of some tasks is always sent, and never stands for a stop of the whole job.
    const alreadySent =
      mode !== 'interrupt' &&
      !tasks &&
      !previous?.tasks &&
      previous?.mode === mode &&
      (previous.outcome === 'SIGNALLED' || previous.outcome === 'DRAINING');
    const recorded = await this.writer.apply(job.id, {
      patch: {
        stopRequest: {
          mode,
          requestedBy: caller.username,
          // The first request's time stays, and so does the first signal's.
          requestedAt: previous?.requestedAt ?? new Date().toISOString(),
          signalledAt: previous?.signalledAt ?? null,
          outcome: alreadySent ? previous.outcome : 'REQUESTED',
          message: null,
          tasks: tasks ?? null,
          escalation: escalationFrom(escalate, Date.now()),
        },
      },
      events: [
        {
          event: 'STOP_REQUESTED',
          actor: caller.username,
          description: tasks
            ? `${mode} of tasks ${tasks} requested`
            : escalate.length > 0
              ? `${mode} requested, then ${escalate.map((s) => `${s.to} after ${s.afterSeconds} s`).join(', then ')} if Slurm still runs it`
              : `${mode} requested`,
        },
      ],
      expectStatus: NON_TERMINAL_STATUSES,
    });
    if (!recorded) throw new JobNotCancellableError(job.id, (await this.reread(job)).status);
    return { recorded, alreadySent };
  }

  private async carryOutStop(
    caller: Caller,
    jobId: string,
    mode: StopMode,
    escalate: readonly EscalationStep[] = [],
    tasks?: string,
  ): Promise<JobRecord> {
    // Read under the lock: a submission that ran before us may have given the job its Slurm id.
    const job = await this.store.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    if (isTerminal(job.status)) throw new JobNotCancellableError(jobId, job.status);
    const { recorded, alreadySent } = await this.recordRequest(caller, job, mode, escalate, tasks);
    if (!recorded.remoteJobId) {
      // Never reached Slurm in this run: the submitter (on its next look) or the monitor (a job a
      // previous run left) sees the request and ends it, or finds it by its tag and stops it.
      if (mode === 'terminate') return this.terminateNow(recorded, caller);
      this.polls.trigger(recorded.execSystemId);
      return recorded;
    }
    if (mode === 'terminate') {
      try {
        const { observed } = await this.sendSignal(recorded, 'cancel', caller.username);
        // One look at Slurm first: a job that had already ended keeps its own outcome (TOO_LATE).
        if (!observed) await this.polls.refresh(recorded.execSystemId, [jobId]);
      } catch (err) {
        // terminate does not wait for the cluster: the monitor sends the cancel when it can.
        this.log.warn({ jobId, err: (err as Error).message }, 'terminate: cancel not sent yet');
      }
      const seen = await this.reread(recorded);
      return isTerminal(seen.status) ? seen : this.terminateNow(seen, caller);
    }
    let current = recorded;
    let observed = false;
    if (!alreadySent) {
      // A queued job has no processes to interrupt or kill: leaving the queue is its stop.
      const signal = signalFor(current, mode);
      ({ job: current, observed } = await this.sendSignal(current, signal, caller.username));
    }
    // Answer with what Slurm says right after the signal, not with what we assumed, and watch
    // closely while the job winds down.
    this.polls.hurry(current.execSystemId, [jobId]);
    if (!observed) await this.polls.refresh(current.execSystemId, [jobId]);
    return this.reread(current);
  }

  /** terminate: CANCELLED at once, saying so; the monitor keeps cancelling until Slurm agrees. */
  private async terminateNow(job: JobRecord, caller: Caller): Promise<JobRecord> {
    const done = await this.writer.apply(job.id, {
      steps: [
        {
          status: 'CANCELLED',
          description: job.remoteJobId
            ? `terminated by ${caller.username}; Slurm job ${job.remoteJobId} is being cancelled in the background`
            : `terminated by ${caller.username}`,
          actor: caller.username,
        },
      ],
      patch: {
        condition: 'TERMINATED_BY_USER',
        ended: new Date().toISOString(),
        lastMessage: 'terminated: marked CANCELLED at once, nothing collected',
        // Without a remote id the job may still be in Slurm (a restart cut its submission
        // short): the monitor looks for it by its tag before letting go.
        remoteDone: false,
      },
      expectStatus: [job.status],
    });
    this.polls.trigger(job.execSystemId);
    return done ?? this.reread(job);
  }

  /**
   * Sends a stop to Slurm as the job's own account and records it, with the cluster's time of
   * the first signal. Resolves to the job as recorded after it; throws when it was not sent
   * (except for a cluster that does not answer: then the stop is kept for later).
   */
  private async sendSignal(
    job: WatchedJob,
    mode: SignalMode,
    actor: string | null,
  ): Promise<{ job: JobRecord; observed: boolean }> {
    const [outcome] = await this.sendSignals([job], mode, actor);
    if (outcome!.error) throw outcome!.error;
    return { job: outcome!.job, observed: outcome!.observed };
  }

  /**
   * Sends one stop to many jobs of one system and account in one remote command (at most
   * MAX_TARGETS ids per command), and records each job's outcome: SIGNALLED with the cluster's
   * time; kept for later when the cluster did not answer; FAILED otherwise (a job whose id no
   * longer carries its tag is never signalled).
   */
  private async sendSignals(
    jobs: readonly WatchedJob[],
    mode: SignalMode,
    actor: string | null,
    options: SignalOptions = {},
  ): Promise<Array<{ job: JobRecord; error: Error | null; observed: boolean }>> {
    const system = this.system(jobs[0]!);
    const account = jobAccount(jobs[0]!, system);
    const out: Array<{ job: JobRecord; error: Error | null; observed: boolean }> = [];
    for (let i = 0; i < jobs.length; i += MAX_TARGETS) {
      const chunk = jobs.slice(i, i + MAX_TARGETS);
      let sent: SignalResult | null = null;
      let failure: unknown = null;
      try {
        sent = await system.scheduler.signal(
          chunk.map((j) => ({
            remoteJobId: j.remoteJobId!,
            gatewayJobId: j.id,
            tasks: j.stopRequest?.tasks ?? undefined,
          })),
          mode,
          account,
          options,
        );
      } catch (err) {
        failure = err;
      }
      const recorded: Array<{ job: JobRecord; error: Error | null }> = [];
      for (const job of chunk) {
        if (sent && !sent.notThisJob.includes(job.remoteJobId!)) {
          recorded.push({
            job: await this.recordSignalled(job, mode, sent.sentAt, actor),
            error: null,
          });
          continue;
        }
        const error = sent
          ? new RemoteJobChangedError(
              job.execSystemId,
              `Slurm job ${job.remoteJobId} no longer carries this job's tag: nothing was signalled (the controller may have lost its state; the job will be marked lost if Slurm does not list it again)`,
            )
          : (failure as Error);
        recorded.push(await this.recordNotSent(job, mode, error, actor));
      }
      // What Slurm said right after the signal (read in the same command), judged by the monitor
      // as its own look at the signalled jobs, once the signal is recorded: the answer then needs
      // no second look.
      const signalled = recorded.filter((r) => !r.error).map((r) => r.job.id);
      const observed =
        sent?.after !== undefined &&
        signalled.length > 0 &&
        (await this.polls.report(system.config.id, signalled, sent.after));
      for (const r of recorded) {
        const seen = observed && !r.error;
        out.push({ job: seen ? await this.reread(r.job) : r.job, error: r.error, observed: seen });
      }
    }
    return out;
  }

  private async recordSignalled(
    job: WatchedJob,
    mode: SignalMode,
    sentAt: string,
    actor: string | null,
  ): Promise<JobRecord> {
    const stop = job.stopRequest;
    const after = await this.writer.apply(job.id, {
      patch:
        stop && stop.outcome !== 'CONFIRMED' && stop.outcome !== 'TOO_LATE'
          ? {
              stopRequest: {
                ...stop,
                // A drain leaves what runs to finish: the job winds down, it is not stopped.
                outcome: stop.mode === 'drain' ? 'DRAINING' : 'SIGNALLED',
                signalledAt: stop.signalledAt ?? sentAt,
              },
            }
          : {},
      events: [
        {
          event: 'STOP_SIGNALLED',
          actor,
          description:
            mode === 'drain'
              ? `drain sent to Slurm job ${job.remoteJobId}: what has not started is skipped, what runs finishes`
              : `${mode} sent to Slurm job ${job.remoteJobId}`,
        },
      ],
    });
    return after ?? this.reread(job);
  }

  private async recordNotSent(
    job: WatchedJob,
    mode: SignalMode,
    error: Error,
    actor: string | null,
  ): Promise<{ job: JobRecord; error: Error | null }> {
    const message = error.message;
    if (isTransient(error)) {
      // The user's intent outlives the outage (and the gateway): the request stays REQUESTED in
      // the store, and the monitor sends it once the cluster answers again.
      const deferred = `not sent yet (${message}); it will be sent when ${job.execSystemId} answers`;
      if (job.stopRequest?.message === deferred)
        return { job: await this.reread(job), error: null };
      const kept = await this.writer.apply(job.id, {
        patch: {
          stopRequest: job.stopRequest && { ...job.stopRequest, message: deferred },
          lastMessage: `${job.stopRequest?.mode ?? mode} requested; ${deferred}`,
        },
        events: [{ event: 'STOP_FAILED', actor, description: deferred }],
        expectStatus: [job.status],
      });
      return { job: kept ?? (await this.reread(job)), error: null };
    }
    // Recorded once: a stop retried every poll cycle adds nothing new.
    if (job.stopRequest?.outcome === 'REQUESTED') {
      await this.writer.apply(job.id, {
        patch: { stopRequest: { ...job.stopRequest, outcome: 'FAILED', message } },
        events: [{ event: 'STOP_FAILED', actor, description: message }],
        expectStatus: [job.status],
      });
    }
    return { job: await this.reread(job), error };
  }

  private system(job: WatchedJob): ExecutionSystem {
    return this.systems.get(job.execSystemId)!;
  }

  private async reread(job: WatchedJob): Promise<JobRecord> {
    const now = await this.store.get(job.id);
    if (!now) throw new JobNotFoundError(job.id);
    return now;
  }
}

function result(
  job: JobRecord,
  outcome: StopJobResult['outcome'],
  status: JobRecord['status'],
  message: string | null,
  after: JobRecord | null,
): StopJobResult {
  return { jobId: job.id, name: job.name, outcome, status, message, job: after };
}

function notCancellable(job: JobRecord, status: JobRecord['status'], message?: string) {
  return result(
    job,
    'not_cancellable',
    status,
    message ?? `job is ${status}`,
    isTerminal(job.status) ? job : null,
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The escalation still to come after a stop is recorded: its steps, the first one due when. */
function escalationFrom(steps: readonly EscalationStep[], now: number): StopRequest['escalation'] {
  const [first] = steps;
  if (!first) return null;
  return { steps: [...steps], dueAt: new Date(now + first.afterSeconds * 1000).toISOString() };
}

/**
 * The signal a stop sends to this job now: a queued job has no processes to interrupt or kill,
 * leaving the queue is its stop; a phased job is drained through its wrapper.
 */
function signalFor(job: WatchedJob, mode: StopMode): SignalMode {
  if (job.status !== 'RUNNING' || mode === 'terminate') return 'cancel';
  if (mode === 'drain' && job.tasks && !job.array) return 'drain-phases';
  return mode;
}
