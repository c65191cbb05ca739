import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionSystemConfig } from '../../config/schema.js';
import { InvalidJobRequestError } from '../../domain/errors.js';
import {
  SchedulerCommandError,
  SchedulerTimeoutError,
  SchedulerUnavailableError,
} from '../errors.js';
import type { JobFiles } from '../job-files.js';
import type {
  Announcement,
  BatchJobSpec,
  PollOptions,
  PollResult,
  RemoteJob,
  Scheduler,
  SignalMode,
  SignalOptions,
  SignalResult,
  SignalTarget,
} from '../scheduler.js';
import { AnnouncementFollowers } from './announcements.js';
import { batchScript, userScript } from './batch-script.js';
import {
  AFTER,
  assertAccount,
  sacctCommand,
  sbatchCommand,
  sbatchLine,
  squeueCommand,
  squeueJobCommand,
  stopCommand,
  VERIFIED,
} from './commands.js';
import { DirectivePolicyError, parseDirectives } from './directives.js';
import { jobDirWord } from './jobs-root.js';
import { askedAbout, indexListing } from './listing.js';
import { parseSacct, parseSbatch, parseSlurmTime } from './parse.js';
import type { ExecResult, SshLogin } from './ssh-connection.js';
import { SshJobFiles } from './ssh-job-files.js';
import { SshPool } from './ssh-pool.js';
import {
  type BatchJob,
  batchJobBytes,
  batchNonce,
  MAX_BATCH_BYTES,
  MAX_BATCH_JOBS,
  parseSubmitBatch,
  submitBatchCommand,
  submitBatchScript,
} from './submit-batch.js';
import { Batcher, type Settled } from './submit-batcher.js';

/**
 * A stop's read-back (see stopCommand) as a poll's answer, when it says all there is to say of
 * the signalled targets: each listed under its id with its tag. Otherwise (an array, whose purged
 * tasks only the records hold; a job gone from the queue) null: a poll looks instead.
 */
function readBackResult(listing: string, targets: readonly SignalTarget[]): PollResult | null {
  const seen = askedAbout(indexListing(listing), new Set(targets.map((t) => t.remoteJobId)));
  if (seen.tasks.size > 0) return null;
  const all = targets.every((t) => seen.byId.get(t.remoteJobId)?.gatewayJobId === t.gatewayJobId);
  return all ? { ...seen, records: [], commands: 0, incomplete: null } : null;
}

/** Ids asked of the finished-job records in one command: a bound on its length (~4 KB). */
const MAX_RECORD_IDS = 500;

/**
 * Slurm reached over SSH: each job's commands as its own Unix account (the gateway holds one key
 * per account in `userKeysDir`), the queue read by the gateway's service account; one pooled
 * connection per account.
 */
export class SlurmScheduler implements Scheduler {
  readonly systemId: string;
  readonly files: JobFiles;
  private readonly pool: SshPool;
  private readonly service: SshLogin;
  private readonly followers: AnnouncementFollowers;
  /** Each account's submits: alone when none is under way, together when some are. */
  private readonly submits: Batcher<BatchJob, string>;

  constructor(
    private readonly config: ExecutionSystemConfig,
    warn: (message: string) => void = () => {},
  ) {
    this.systemId = config.id;
    this.pool = new SshPool(config, warn);
    this.service = { username: config.user, privateKeyPath: config.privateKeyPath };
    this.files = new SshJobFiles(config.id, config.jobsRoot, this.pool, (a) => this.loginOf(a));
    this.followers = new AnnouncementFollowers(
      this.pool,
      (a) => this.loginOf(a),
      config.jobsRoot,
      warn,
      // A quarter of the connections at most, each a stream of its own account.
      Math.max(1, Math.floor(config.maxConnections / 4)),
    );
    this.submits = new Batcher(
      // Two channels of the account's connection left for its stops and file reads. Each batch
      // runs its jobs one after the other: several at once hide sbatch's waits on the controller.
      {
        inFlight: Math.max(1, config.maxChannels - 2),
        maxItems: MAX_BATCH_JOBS,
        maxBytes: MAX_BATCH_BYTES,
      },
      batchJobBytes,
      async (account, jobs) => {
        if (jobs.length > 1) return this.submitMany(jobs, account);
        try {
          return [{ ok: true, value: await this.submitOne(jobs[0]!, account) }];
        } catch (error) {
          return [{ ok: false, error }];
        }
      },
    );
  }

  follow(
    accounts: readonly string[],
    onAnnounced: (announcement: Announcement, account: string) => void,
  ): void {
    this.followers.follow(accounts, onAnnounced);
  }

  async hasAccount(account: string): Promise<boolean> {
    try {
      await access(this.loginOf(account).privateKeyPath, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * sbatch as `account`, under a remote `timeout` that ends it before the gateway stops waiting
   * (see sbatchCommand). Throws SchedulerTimeoutError when no answer came (the job may be queued
   * all the same), SchedulerCommandError with sbatch's exit code and words when it answered no.
   * Submits of one account that arrive while its earlier ones are under way are sent together
   * (submit-batch.ts): one remote command for many jobs, each with its own outcome.
   */
  async submit(spec: BatchJobSpec, account: string): Promise<string> {
    const jobDir = jobDirWord(this.config.jobsRoot, spec.gatewayJobId);
    const script = batchScript(spec, jobDir, this.config.jobsRoot);
    return this.submits.add(account, { spec, jobDir, script, sbatch: sbatchLine(spec) });
  }

  /** One job alone: its own sbatch command, the wrapper on stdin. */
  private async submitOne(job: BatchJob, account: string): Promise<string> {
    const { commandTimeoutMs } = this.config;
    const r = await this.pool.exec(
      this.loginOf(account),
      sbatchCommand(job.spec, job.jobDir, commandTimeoutMs),
      { stdin: job.script },
    );
    // `timeout` stopped it (TERM: 124, KILL: 137): sbatch's request may have reached the
    // controller, which may queue the job; nothing of this run is left to queue it later.
    return this.submitted(r, r.code === 124 || r.code === 137);
  }

  /** Several jobs in one remote command, one after the other; each gets its own outcome. */
  private async submitMany(jobs: BatchJob[], account: string): Promise<Settled<string>[]> {
    const nonce = batchNonce();
    const r = await this.pool.exec(
      this.loginOf(account),
      submitBatchCommand(this.config.commandTimeoutMs),
      { stdin: submitBatchScript(jobs, nonce) },
    );
    const stopped = r.code === 124 || r.code === 137;
    const last = r.stderr.trim() ? `: ${r.stderr.trim().split('\n').at(-1)!.slice(0, 200)}` : '';
    return parseSubmitBatch(r.stdout, jobs.length, nonce).map((o): Settled<string> => {
      try {
        if (o.state === 'done') {
          return {
            ok: true,
            value: this.submitted({ code: o.code, stdout: o.output, stderr: o.output }, false),
          };
        }
        if (o.state === 'cut' && stopped) {
          return {
            ok: true,
            value: this.submitted({ code: r.code, stdout: o.output, stderr: o.output }, true),
          };
        }
        if (o.state === 'cut') {
          // Ended under it otherwise (its shell killed): as unanswered as a timeout.
          const id = parseSbatch(o.output);
          if (id) return { ok: true, value: id };
          throw new SchedulerTimeoutError(
            this.systemId,
            `sbatch gave no answer on ${this.systemId}: the command carrying it ended (exit ${r.code}${last})`,
          );
        }
        // Never started: nothing of it reached sbatch. The timeout ended the batch before its
        // turn (tried again after a pause), or the shell failed before any job (a jobs root
        // whose variable is not set there): that failure is this job's, as if it ran alone.
        if (!stopped && r.code !== 0) throw this.failure('sbatch', r);
        throw new SchedulerUnavailableError(
          this.systemId,
          `not sent: the submissions sent with it on ${this.systemId} ended before its turn (exit ${r.code}${last})`,
        );
      } catch (error) {
        return { ok: false, error };
      }
    });
  }

  /**
   * One run's answer: the id it printed (whatever came after it: the timeout may have struck
   * right after), else why not. `stopped`: the run was ended by the remote timeout.
   */
  private submitted(r: ExecResult, stopped: boolean): string {
    const id = parseSbatch(r.stdout);
    if (id) return id;
    if (stopped) {
      const { commandTimeoutMs } = this.config;
      throw new SchedulerTimeoutError(
        this.systemId,
        `sbatch did not answer within ${Math.round(commandTimeoutMs / 1000)} s on ${this.systemId} and was stopped there${r.stderr.trim() ? ` (${r.stderr.trim().split('\n').at(-1)!.slice(0, 200)})` : ''}`,
      );
    }
    throw this.failure('sbatch', r);
  }

  async signal(
    targets: readonly SignalTarget[],
    mode: SignalMode,
    account: string,
    options: SignalOptions = {},
  ): Promise<SignalResult> {
    const r = await this.pool.exec(
      this.loginOf(account),
      stopCommand(
        targets,
        mode,
        (id) => jobDirWord(this.config.jobsRoot, id),
        options.readBack === true,
      ),
    );
    // scancel exits 0 for a finished or unknown job, and 1 ("Invalid job id") when signalling
    // one: neither is a failure, the caller re-reads the job's real state.
    if (r.code !== 0 && !/Invalid job id|already completing or completed/i.test(r.stderr)) {
      throw this.failure('scancel', r);
    }
    const [said = '', after] = r.stdout.split(`\n${AFTER}\n`);
    const lines = said.split('\n').map((l) => l.trim());
    const sentAt = parseSlurmTime(lines[0] ?? '');
    const verified = new Set(
      lines
        .find((l) => l.startsWith(VERIFIED))
        ?.split(/\s+/)
        .slice(1) ?? [],
    );
    const notThisJob = targets.map((t) => t.remoteJobId).filter((id) => !verified.has(id));
    const result: SignalResult = { sentAt: sentAt ?? new Date().toISOString(), notThisJob };
    const signalled = targets.filter((t) => verified.has(t.remoteJobId));
    if (after !== undefined && signalled.length > 0) {
      const readBack = readBackResult(after, signalled);
      if (readBack) result.after = readBack;
    }
    return result;
  }

  /**
   * The `#SBATCH` lines of the very text the wrapper copies them from (the script, or the command),
   * against the allow-list; and the partition against the system's. The gateway's own parameters
   * need no check against the directives: they go on sbatch's command line, which wins.
   */
  check(spec: BatchJobSpec, allowedPartitions: readonly string[]): void {
    const { body, field, lineOffset } = userScript(spec);
    try {
      parseDirectives(body, lineOffset);
    } catch (err) {
      if (!(err instanceof DirectivePolicyError)) throw err;
      const where = field === 'body.script' ? 'the script' : 'the command';
      throw new InvalidJobRequestError(
        field,
        `#SBATCH directive refused: ${where}, ${err.message}`,
      );
    }
    if (
      spec.partition &&
      allowedPartitions.length > 0 &&
      !allowedPartitions.includes(spec.partition)
    ) {
      throw new InvalidJobRequestError(
        'body.partition',
        `partition "${spec.partition}" is not offered on ${this.systemId} (offered: ${allowedPartitions.join(', ')})`,
      );
    }
  }

  async poll(
    jobs: readonly SignalTarget[],
    accounts: readonly string[],
    options: PollOptions = {},
  ): Promise<PollResult> {
    const remoteJobIds = jobs.map((j) => j.remoteJobId);
    let commands = 1;
    let listing: string;
    const tagged = options.tagged ?? [];
    if (tagged.length === 0 && jobs.length === 1) {
      listing = await this.listJob(jobs[0]!.remoteJobId);
    } else {
      // Only the lines of the asked-for jobs, and of those looked for by their tags.
      try {
        listing = await this.run('squeue', squeueCommand(accounts, remoteJobIds, tagged));
      } catch (err) {
        // One account the cluster no longer knows must not blind the gateway to everyone's jobs.
        if (!(err instanceof SchedulerCommandError && /invalid user/i.test(err.stderr))) throw err;
        commands++;
        listing = await this.run('squeue', squeueCommand([], remoteJobIds, tagged));
      }
    }
    const queue = indexListing(listing);
    const { byId, tasks } = queue;
    // Jobs the controller already purged: one more command for all of them together (at most
    // MAX_RECORD_IDS a cycle, so the command line stays short; the rest are asked next time).
    const wanted = new Set(remoteJobIds);
    // Not listed, or listed with another tag (the id reused after the controller lost its
    // state): the job's own end may be in the records.
    // An array whose tasks the queue lists with its tag is not missing: a task purged from the
    // queue meanwhile is looked for once the array's last listed task has gone too.
    const listedArray = (j: SignalTarget) =>
      [...(tasks.get(j.remoteJobId)?.values() ?? [])].some(
        (t) => t.gatewayJobId === j.gatewayJobId,
      );
    const missing = jobs
      .filter((j) => byId.get(j.remoteJobId)?.gatewayJobId !== j.gatewayJobId && !listedArray(j))
      .map((j) => j.remoteJobId);
    const finished: RemoteJob[] = [];
    let incomplete: string | null =
      missing.length > MAX_RECORD_IDS
        ? `${missing.length - MAX_RECORD_IDS} finished-job records left for later cycles`
        : null;
    if (missing.length > 0) {
      commands++;
      try {
        const records = await this.run(
          'sacct',
          sacctCommand(missing.slice(0, MAX_RECORD_IDS), this.config.finishedJobSource),
        );
        finished.push(...parseSacct(records));
      } catch (err) {
        // The listing stands on its own: every job it shows is still updated (and stops
        // confirmed); only the purged ones wait for the record source to answer again.
        incomplete = (err as Error).message;
      }
    }
    // Records of array tasks join the array's listed tasks (the queue's word wins for a task).
    for (const r of finished) {
      if (r.arrayTaskId === null || !wanted.has(r.remoteJobId)) continue;
      const group = tasks.get(r.remoteJobId) ?? new Map<number, RemoteJob>();
      tasks.set(r.remoteJobId, group);
      if (!group.has(r.arrayTaskId)) group.set(r.arrayTaskId, r);
    }
    return {
      ...askedAbout(queue, wanted),
      records: finished.filter((r) => wanted.has(r.remoteJobId) && r.arrayTaskId === null),
      commands,
      incomplete,
    };
  }

  /** The queue's lines for one id; none when it no longer knows it (see squeueJobCommand). */
  private async listJob(remoteJobId: string): Promise<string> {
    const r = await this.pool.exec(this.service, squeueJobCommand(remoteJobId));
    if (r.code === 0) return r.stdout;
    if (/Invalid job id specified/i.test(r.stderr)) return '';
    throw this.failure('squeue', r);
  }

  async ping(): Promise<number> {
    const started = performance.now();
    const r = await this.pool.exec(this.service, 'true', {
      timeoutMs: this.config.connectTimeoutMs,
    });
    if (r.code !== 0) throw this.failure('true', r);
    return performance.now() - started;
  }

  connections(): { open: number; max: number } {
    return { open: this.pool.openConnections, max: this.pool.maxConnections };
  }

  /** Remote commands sent since start: for tests and benchmarks of the poll cost. */
  get commandsSent(): number {
    return this.pool.commandsSent;
  }

  close(): void {
    this.followers.close();
    this.pool.close();
  }

  /** Acting as a user: that account's own key, named by the account (checked, so no path tricks). */
  private loginOf(account: string): SshLogin {
    return {
      username: account,
      privateKeyPath: join(this.config.userKeysDir, assertAccount(account)),
    };
  }

  /** Reading the queue: the gateway's own service account. */
  private async run(what: string, command: string): Promise<string> {
    const r = await this.pool.exec(this.service, command);
    if (r.code !== 0) throw this.failure(what, r);
    return r.stdout;
  }

  private failure(what: string, r: ExecResult): SchedulerCommandError {
    const detail = (r.stderr.trim() || r.stdout.trim())
      .split('\n')
      .slice(-3)
      .join(' ')
      .slice(0, 500);
    return new SchedulerCommandError(
      this.systemId,
      `${what} failed on ${this.systemId} (exit ${r.code}): ${detail || 'no output'}`,
      r.code,
      detail,
    );
  }
}
