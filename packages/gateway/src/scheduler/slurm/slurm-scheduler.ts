import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionSystemConfig } from '../../config/schema.js';
import { InvalidJobRequestError } from '../../domain/errors.js';
import { SchedulerCommandError } from '../errors.js';
import type { BatchJobSpec, PollResult, RemoteJob, Scheduler, SignalMode } from '../scheduler.js';
import { batchScript, checkDirectives, sbatchDirectives } from './batch-script.js';
import {
  assertAccount,
  sacctCommand,
  sbatchCommand,
  squeueCommand,
  stopCommand,
} from './commands.js';
import { parseSacct, parseSbatch, parseSlurmTime, parseSqueue } from './parse.js';
import type { ExecResult, SshLogin } from './ssh-connection.js';
import { SshPool } from './ssh-pool.js';

/**
 * Slurm reached over SSH: each job's commands as its own Unix account (the gateway holds one key
 * per account in `userKeysDir`), the queue read by the gateway's service account; one pooled
 * connection per account.
 */
export class SlurmScheduler implements Scheduler {
  readonly systemId: string;
  private readonly pool: SshPool;
  private readonly service: SshLogin;

  constructor(
    private readonly config: ExecutionSystemConfig,
    warn: (message: string) => void = () => {},
  ) {
    this.systemId = config.id;
    this.pool = new SshPool(config, warn);
    this.service = { username: config.user, privateKeyPath: config.privateKeyPath };
  }

  async hasAccount(account: string): Promise<boolean> {
    try {
      await access(this.loginOf(account).privateKeyPath, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  }

  async submit(spec: BatchJobSpec, account: string): Promise<string> {
    const r = await this.pool.exec(this.loginOf(account), sbatchCommand(spec), {
      stdin: batchScript(spec),
    });
    const id = r.code === 0 ? parseSbatch(r.stdout) : null;
    if (!id) throw this.failure('sbatch', r);
    return id;
  }

  async signal(
    remoteJobIds: readonly string[],
    mode: SignalMode,
    account: string,
  ): Promise<{ sentAt: string }> {
    const r = await this.pool.exec(this.loginOf(account), stopCommand(remoteJobIds, mode));
    // scancel exits 0 for a finished or unknown job, and 1 ("Invalid job id") when signalling
    // one: neither is a failure, the caller re-reads the job's real state.
    if (r.code !== 0 && !/Invalid job id|already completing or completed/i.test(r.stderr)) {
      throw this.failure('scancel', r);
    }
    const sentAt = parseSlurmTime(r.stdout.split('\n')[0]?.trim() ?? '');
    return { sentAt: sentAt ?? new Date().toISOString() };
  }

  check(spec: BatchJobSpec, allowedPartitions: readonly string[]): void {
    const problem = checkDirectives(sbatchDirectives(spec.script ?? ''), allowedPartitions);
    if (problem) throw new InvalidJobRequestError('body.script', problem);
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

  async poll(remoteJobIds: readonly string[], accounts: readonly string[]): Promise<PollResult> {
    let commands = 1;
    let listing: string;
    try {
      listing = await this.run('squeue', squeueCommand(accounts));
    } catch (err) {
      // One account the cluster no longer knows must not blind the gateway to everyone's jobs.
      if (!(err instanceof SchedulerCommandError && /invalid user/i.test(err.stderr))) throw err;
      commands++;
      listing = await this.run('squeue', squeueCommand());
    }
    const byId = new Map<string, RemoteJob>();
    const byTag = new Map<string, RemoteJob>();
    for (const job of parseSqueue(listing)) {
      byId.set(job.remoteJobId, job);
      if (job.gatewayJobId) byTag.set(job.gatewayJobId, job);
    }
    // Jobs the controller already purged: one more command for all of them together.
    const wanted = new Set(remoteJobIds);
    const missing = remoteJobIds.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      commands++;
      const records = await this.run('sacct', sacctCommand(missing, this.config.finishedJobSource));
      for (const job of parseSacct(records)) {
        byId.set(job.remoteJobId, job);
      }
    }
    return {
      byId: new Map([...byId].filter(([id]) => wanted.has(id))),
      byTag,
      commands,
    };
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
