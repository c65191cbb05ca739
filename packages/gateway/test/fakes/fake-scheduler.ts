import { SchedulerUnavailableError } from '../../src/scheduler/errors.js';
import type {
  BatchJobSpec,
  PollResult,
  RemoteJob,
  Scheduler,
  SignalMode,
  SignalResult,
  SignalTarget,
} from '../../src/scheduler/scheduler.js';
import { FakeJobFiles } from './fake-job-files.js';

/**
 * A FAKE scheduler for fast tests of the logic above the Slurm adapter (reconciler, stopper,
 * submitter): an in-memory queue that records what it was asked. It is never used where a test
 * claims to test Slurm; the sandbox tests do that.
 */
export class FakeScheduler implements Scheduler {
  readonly systemId: string;
  readonly files = new FakeJobFiles();
  /** What the fake cluster holds, by Slurm id. */
  readonly jobs = new Map<string, RemoteJob>();
  readonly signals: Array<{ targets: SignalTarget[]; mode: SignalMode; account: string }> = [];
  readonly submitted: Array<{ spec: BatchJobSpec; account: string }> = [];
  /** Final records of jobs the queue no longer lists (the completion file), in order. */
  readonly records: RemoteJob[] = [];
  /** Set to make the finished-job source fail (as an unreachable slurmdbd would). */
  recordsFail = false;
  /** Set to make every command fail as an unreachable cluster does. */
  unreachable = false;
  /**
   * What the next sbatch runs meet, first one first (the rest succeed): `error` is thrown; with
   * `queued`, the job is queued all the same (an answer lost on its way back), at once (`now`)
   * or only when {@link landLate} is called (`later`: a remote sbatch still running).
   */
  readonly submitFaults: Array<{ error: Error; queued?: 'now' | 'later' }> = [];
  /** Jobs of unanswered runs that have not landed yet. */
  private readonly landing: RemoteJob[] = [];
  commandsSent = 0;
  private nextId = 100;

  constructor(
    systemId = 'fake',
    readonly accounts = new Set(['alice', 'bob', 'carol']),
  ) {
    this.systemId = systemId;
  }

  async hasAccount(account: string): Promise<boolean> {
    return this.accounts.has(account);
  }

  /** Every sbatch run is recorded in `submitted`, whatever it met. */
  async submit(spec: BatchJobSpec, account: string): Promise<string> {
    this.commandsSent++;
    this.submitted.push({ spec, account });
    const fault = this.submitFaults.shift();
    if (fault && !fault.queued) throw fault.error;
    const id = String(this.nextId++);
    const job = fakeRemote(id, { gatewayJobId: spec.gatewayJobId, remoteUser: account });
    if (fault?.queued === 'later') this.landing.push(job);
    else this.jobs.set(id, job);
    if (fault) throw fault.error;
    return id;
  }

  /** The jobs of unanswered runs land now (in the queue, with their tags); resolves to their ids. */
  landLate(): string[] {
    const landed = this.landing.splice(0);
    for (const job of landed) this.jobs.set(job.remoteJobId, job);
    return landed.map((j) => j.remoteJobId);
  }

  async signal(
    targets: readonly SignalTarget[],
    mode: SignalMode,
    account: string,
  ): Promise<SignalResult> {
    if (this.unreachable) {
      throw new SchedulerUnavailableError(this.systemId, 'cannot connect to fake: ECONNREFUSED');
    }
    this.commandsSent++;
    const notThisJob = targets
      .filter((t) => this.jobs.get(t.remoteJobId)?.gatewayJobId !== t.gatewayJobId)
      .map((t) => t.remoteJobId);
    this.signals.push({
      targets: targets.filter((t) => !notThisJob.includes(t.remoteJobId)),
      mode,
      account,
    });
    return { sentAt: new Date().toISOString(), notThisJob };
  }

  check(): void {}

  /** The fake's jobs have no wrappers to announce anything: polls alone tell. */
  follow(): void {}

  async poll(jobs: readonly SignalTarget[]): Promise<PollResult> {
    const remoteJobIds = jobs.map((j) => j.remoteJobId);
    if (this.unreachable)
      throw new SchedulerUnavailableError(this.systemId, 'cannot connect to fake: ECONNREFUSED');
    this.commandsSent++;
    const byId = new Map<string, RemoteJob>();
    const byTag = new Map<string, RemoteJob>();
    for (const job of this.jobs.values()) {
      if (remoteJobIds.includes(job.remoteJobId)) byId.set(job.remoteJobId, job);
      if (job.gatewayJobId) byTag.set(job.gatewayJobId, job);
    }
    return {
      byId,
      records: this.recordsFail
        ? []
        : this.records.filter((r) =>
            jobs.some(
              (j) =>
                j.remoteJobId === r.remoteJobId &&
                byId.get(j.remoteJobId)?.gatewayJobId !== j.gatewayJobId,
            ),
          ),
      byTag,
      tasks: new Map(),
      commands: 1,
      incomplete: this.recordsFail ? 'sacct failed (fake)' : null,
    };
  }

  async ping(): Promise<number> {
    return 1;
  }

  connections() {
    return { open: 1, max: 1 };
  }

  close(): void {}
}

/** A remote job as squeue would list it (tag and account shown). */
export function fakeRemote(remoteJobId: string, over: Partial<RemoteJob> = {}): RemoteJob {
  return {
    remoteJobId,
    state: 'RUNNING',
    phase: 'running',
    outcome: null,
    reason: null,
    exitCode: null,
    exitSignal: null,
    started: '2026-01-01T00:00:01.000Z',
    ended: null,
    gatewayJobId: null,
    remoteUser: 'alice',
    submitted: null,
    arrayTaskId: null,
    ...over,
  };
}
