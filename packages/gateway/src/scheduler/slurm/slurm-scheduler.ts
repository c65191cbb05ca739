import type { ExecutionSystemConfig } from '../../config/schema.js';
import { InvalidJobRequestError } from '../../domain/errors.js';
import { SchedulerCommandError } from '../errors.js';
import type { BatchJobSpec, PollResult, RemoteJob, Scheduler, SignalMode } from '../scheduler.js';
import { batchScript, checkDirectives, sbatchDirectives } from './batch-script.js';
import { sacctCommand, sbatchCommand, squeueCommand, stopCommand } from './commands.js';
import { parseSacct, parseSbatch, parseSlurmTime, parseSqueue } from './parse.js';
import { type ExecResult, SshConnection } from './ssh-connection.js';

/** Slurm reached through one pooled SSH connection per execution system. */
export class SlurmScheduler implements Scheduler {
  readonly systemId: string;
  private readonly ssh: SshConnection;

  constructor(private readonly config: ExecutionSystemConfig) {
    this.systemId = config.id;
    this.ssh = new SshConnection(config);
  }

  async submit(spec: BatchJobSpec): Promise<string> {
    const r = await this.ssh.exec(sbatchCommand(spec), { stdin: batchScript(spec) });
    const id = r.code === 0 ? parseSbatch(r.stdout) : null;
    if (!id) throw this.failure('sbatch', r);
    return id;
  }

  async signal(remoteJobIds: readonly string[], mode: SignalMode): Promise<{ sentAt: string }> {
    const r = await this.ssh.exec(stopCommand(remoteJobIds, mode));
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

  async poll(remoteJobIds: readonly string[]): Promise<PollResult> {
    const listing = await this.run('squeue', squeueCommand());
    let commands = 1;
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

  ping(): Promise<number> {
    return this.ssh.ping();
  }

  /** Remote commands sent since start: for tests and benchmarks of the poll cost. */
  get commandsSent(): number {
    return this.ssh.commandsSent;
  }

  close(): void {
    this.ssh.close();
  }

  private async run(what: string, command: string): Promise<string> {
    const r = await this.ssh.exec(command);
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
