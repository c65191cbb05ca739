import type { BatchJobSpec, SignalMode, SignalTarget } from '../scheduler.js';
import { SACCT_FIELDS, SQUEUE_FIELDS, TAG_PREFIX } from './parse.js';
import { commandLine, shellQuote } from './quote.js';

/** Every Slurm command line the gateway runs, built from quoted words only. */

const TIME = 'SLURM_TIME_FORMAT=%s';

/** `sbatch --parsable` with the job's resources; the batch script itself goes on stdin. */
export function sbatchCommand(spec: BatchJobSpec): string {
  const words = [
    'sbatch',
    '--parsable',
    `--job-name=${spec.name}`,
    `--comment=${TAG_PREFIX}${spec.gatewayJobId}`,
  ];
  if (spec.partition) words.push(`--partition=${spec.partition}`);
  if (spec.nodes) words.push(`--nodes=${spec.nodes}`);
  if (spec.cpusPerTask) words.push(`--cpus-per-task=${spec.cpusPerTask}`);
  if (spec.memoryMB) words.push(`--mem=${spec.memoryMB}M`);
  if (spec.maxMinutes) words.push(`--time=${spec.maxMinutes}`);
  if (spec.workingDir) words.push(`--chdir=${spec.workingDir}`);
  return commandLine(words);
}

/** Above this many accounts, one unfiltered listing is shorter than the list of names. */
export const MAX_USERS_FILTER = 100;

/**
 * Every job of these Unix accounts that the controller still holds, finished ones included, in
 * one listing; all users' jobs when there are many accounts (or none given).
 */
export function squeueCommand(accounts: readonly string[] = []): string {
  const words = ['squeue', '--noheader', '--states=all', `--Format=${SQUEUE_FIELDS}`];
  const users = [...new Set(accounts)].sort();
  if (users.length > 0 && users.length <= MAX_USERS_FILTER) {
    words.push(`--users=${users.map(assertAccount).join(',')}`);
  }
  return `${TIME} ${commandLine(words)}`;
}

/** Unix account names as the gateway accepts them: nothing a shell or squeue would read twice. */
export function assertAccount(account: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(account)) {
    throw new Error(`not a Unix account name: ${JSON.stringify(account)}`);
  }
  return account;
}

export type FinishedJobSource = 'sacct' | 'jobcomp';

/** Final records of jobs the controller already purged: accounting, or the completion file. */
export function sacctCommand(remoteJobIds: readonly string[], source: FinishedJobSource): string {
  const words = ['sacct', '--noheader', '--parsable2', `--format=${SACCT_FIELDS}`];
  words.push(source === 'jobcomp' ? '--completion' : '--allocations');
  words.push(`--jobs=${remoteJobIds.join(',')}`);
  return `${TIME} ${commandLine(words)}`;
}

/**
 * The remote command for each stop mode (see batchScript for what the wrapper does):
 * - cancel: Slurm's own cancel: SIGTERM to every process, KillWait, then SIGKILL;
 * - interrupt: SIGINT to the batch script, its children and every step; the job goes on;
 * - force-stop: SIGKILL to every step but the batch one (immediate, unlike a whole-job KILL,
 *   which Slurm turns into a cancel with KillWait), then SIGUSR2 to the wrapper, which kills the
 *   rest at once. Only for running jobs: a queued job is simply cancelled.
 */
export function stopCommand(targets: readonly SignalTarget[], mode: SignalMode): string {
  // The cluster's clock first: Slurm's end times are by it, not by the gateway's.
  return [
    'date +%s',
    ...targets.map((t) => ifThisJob(t, signalCommand(assertJobId(t.remoteJobId), mode))),
  ].join('; ');
}

/** What stopCommand prints for a target whose id now carries another tag (or none). */
export const NOT_THIS_JOB = 'hpcgate-not-this-job';

/**
 * Runs `command` only if Slurm's job `remoteJobId` still carries the gateway's tag for this job:
 * a controller that lost its state gives old ids to new jobs, and those are never signalled.
 */
function ifThisJob(target: SignalTarget, command: string): string {
  const id = assertJobId(target.remoteJobId);
  const tag = `${TAG_PREFIX}${target.gatewayJobId}`;
  const look = commandLine(['squeue', '--noheader', '--states=all', `--jobs=${id}`, '--format=%k']);
  return `if [ "$(${look} 2>/dev/null)" = ${shellQuote(tag)} ]; then ${command}; else echo ${shellQuote(`${NOT_THIS_JOB} ${id}`)}; fi`;
}

function signalCommand(id: string, mode: SignalMode): string {
  switch (mode) {
    case 'cancel':
      return commandLine(['scancel', id]);
    case 'interrupt':
      return commandLine(['scancel', '--full', '--signal=INT', id]);
    case 'force-stop':
      return (
        `for s in $(${commandLine(['squeue', '--noheader', '--steps', `--jobs=${id}`, '--format=%i'])}); do ` +
        `case "$s" in *.batch|*.extern) ;; *) scancel --signal=KILL "$s";; esac; done; ` +
        commandLine(['scancel', '--batch', '--signal=USR2', id])
      );
  }
}

function assertJobId(id: string): string {
  if (!/^\d+$/.test(id)) throw new Error(`not a Slurm job id: ${JSON.stringify(id)}`);
  return id;
}
