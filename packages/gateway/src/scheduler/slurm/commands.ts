import type { BatchJobSpec, SignalMode, SignalTarget } from '../scheduler.js';
import { DRAIN_FILE } from './batch-script.js';
import { makeJobDir } from './file-commands.js';
import { SACCT_FIELDS, SQUEUE_FIELDS, TAG_PREFIX } from './parse.js';
import { commandLine, shellQuote } from './quote.js';

/** Every Slurm command line the gateway runs, built from quoted words only. */

const TIME = 'SLURM_TIME_FORMAT=%s';

/**
 * `sbatch --parsable` with the job's resources, after making its job directory (`jobDir`, a
 * shell word from jobDirWord), where its stdout and stderr go and, without a `workingDir`, where
 * it runs; the batch script itself goes on stdin.
 *
 * With `commandTimeoutMs` (how long the gateway waits for an answer), sbatch runs under the
 * system's `timeout`, which ends it a margin before the gateway stops waiting: TERM after
 * T - 3 s, KILL 2 s later, 1 s to spare (tenths of T for short timeouts). Closing the SSH channel
 * does not stop a remote command, and sbatch retries for minutes on its own while the controller
 * is busy: this way, once the gateway gave up on a submission, no sbatch of it is left running
 * to queue the job later. sbatch stopped so exits 124 (TERM) or 137 (KILL), and its outcome is
 * unknown, as after any unanswered command.
 */
export function sbatchCommand(
  spec: BatchJobSpec,
  jobDir: string,
  commandTimeoutMs?: number,
): string {
  const timeout =
    commandTimeoutMs === undefined ? '' : `${commandLine(remoteTimeoutWords(commandTimeoutMs))} `;
  return `${makeJobDir(jobDir)}\n${timeout}${sbatchLine(spec)}`;
}

/**
 * The sbatch command line of one job, the script on stdin, once `hpcgate_d` holds its job
 * directory's physical path (as makeJobDir sets it).
 */
export function sbatchLine(spec: BatchJobSpec): string {
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
  if (spec.array) {
    const { indices, maxParallel } = spec.array;
    if (!/^[\d,-]+$/.test(indices))
      throw new Error(`not array indices: ${JSON.stringify(indices)}`);
    words.push(`--array=${indices}${maxParallel ? `%${maxParallel}` : ''}`);
  }
  // The job directory's physical path is only known on the cluster (makeJobDir sets it): these
  // words are the one part not quoted by commandLine, a double-quoted variable each.
  // An array's tasks each write their own (`%a`: the task's index).
  const suffix = spec.array ? '.%a' : '';
  const logs = [
    `--output="$hpcgate_d"/stdout${suffix}`,
    `--error="$hpcgate_d"/stderr${suffix}`,
    ...(spec.workingDir ? [] : ['--chdir="$hpcgate_d"']),
  ];
  return `${commandLine(words)} ${logs.join(' ')}`;
}

/**
 * `timeout` words that end a remote command a margin before the gateway stops waiting
 * (`t`, its commandTimeoutMs): TERM after t - 3 s, KILL 2 s later (tenths of t when short).
 */
export function remoteTimeoutWords(t: number): string[] {
  const margin = Math.min(1_000, t / 10);
  const killAfter = Math.min(2_000, t / 10);
  const seconds = (ms: number) => `${Number((Math.floor(ms) / 1000).toFixed(3))}s`;
  return [
    'timeout',
    '--signal=TERM',
    `--kill-after=${seconds(killAfter)}`,
    seconds(t - killAfter - margin),
  ];
}

/**
 * Every queue listing the poll reads (parseSqueue): finished jobs too, and `--array`, an array's
 * tasks one per line, pending ones too (each `<array id>_<index>`).
 */
const SQUEUE_WORDS = [
  'squeue',
  '--noheader',
  '--array',
  '--states=all',
  `--Format=${SQUEUE_FIELDS}`,
];

/** Above this many accounts, one unfiltered listing is shorter than the list of names. */
export const MAX_USERS_FILTER = 100;

/**
 * Every job of these Unix accounts that the controller still holds, finished ones included, in
 * one listing; all users' jobs when there are many accounts (or none given). With `only` (the
 * watched jobs' ids) and `tags` (the hpcgate ids of watched jobs whose Slurm id is not known),
 * the cluster itself keeps just their lines: the controller holds an hour of finished jobs
 * (MinJobAge), thousands of lines per account, and none of the others need cross the connection
 * or be parsed here. squeue's own `--jobs` would filter too, but compares every job with every id
 * (slower than the whole listing from a few hundred ids on); awk looks each line up in a table.
 */
export function squeueCommand(
  accounts: readonly string[] = [],
  only: readonly string[] = [],
  tags: readonly string[] = [],
): string {
  const words = [...SQUEUE_WORDS];
  const users = [...new Set(accounts)].sort();
  if (users.length > 0 && users.length <= MAX_USERS_FILTER) {
    words.push(`--users=${users.map(assertAccount).join(',')}`);
  }
  return onlyJobs(`${TIME} ${commandLine(words)}`, only, tags);
}

/**
 * A listing cut down on the cluster to the lines of these ids (an array's tasks by the array's
 * id) or tags; the whole listing without any, or with too many. POSIX sh has no pipefail:
 * squeue's exit status goes through the pipe as a line of its own, and awk exits with it.
 */
function onlyJobs(listing: string, only: readonly string[], tags: readonly string[] = []): string {
  const count = only.length + tags.length;
  if (count === 0 || count > MAX_FILTER_IDS || !tags.every((t) => TAG_WORD.test(t))) {
    return listing;
  }
  const awk = [
    'awk',
    '-F|',
    '-v',
    `ids=${only.map(assertJobId).join(',')}`,
    '-v',
    `tags=${tags.map((t) => `${TAG_PREFIX}${t}`).join(',')}`,
    ONLY_JOBS,
  ];
  return `{ ${listing} || echo "${LISTING_FAILED} $?"; } | ${commandLine(awk)}`;
}

/** Above this many ids and tags, the whole listing is sent (or the command line would be ~50 KB). */
export const MAX_FILTER_IDS = 5_000;
/** What a tag may hold to be filtered on (the gateway's own ids; awk reads -v values' escapes). */
const TAG_WORD = /^[A-Za-z0-9_-]{1,64}$/;
const LISTING_FAILED = 'hpcgate-listing-failed';
/** SQUEUE_FIELDS' 9th field is the comment, where the tag is. */
const ONLY_JOBS = [
  'BEGIN {',
  '  n = split(ids, a, ","); for (i = 1; i <= n; i++) want[a[i]] = 1',
  '  n = split(tags, a, ","); for (i = 1; i <= n; i++) tagged[a[i]] = 1',
  '}',
  `/^${LISTING_FAILED} [0-9]+$/ { rc = $0; sub(/.* /, "", rc); next }`,
  '{ split($1, id, "_"); if ((id[1] in want) || ($9 in tagged)) print }',
  'END { exit rc + 0 }',
].join('\n');

/**
 * One job, finished or not, whoever it belongs to: the controller answers about that job alone
 * (~10 ms here), where any listing of several jobs loads every job it holds — MinJobAge keeps an
 * hour of finished ones — and filters them in squeue. It fails ("Invalid job id specified") for
 * an id the controller no longer knows.
 */
export function squeueJobCommand(remoteJobId: string): string {
  return `${TIME} ${commandLine([...SQUEUE_WORDS, `--jobs=${assertJobId(remoteJobId)}`])}`;
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
export function stopCommand(
  targets: readonly SignalTarget[],
  mode: SignalMode,
  /** Each job's directory as a shell word (jobDirWord): where a phased job's drain goes. */
  jobDir?: (gatewayJobId: string) => string,
  /** Several targets: list the account's jobs again after the signal (one target always is). */
  readBackAll = false,
): string {
  // One listing of the account's own jobs with their tags; only the ids whose line is exactly
  // "<id>|hpcgate:<job id>" are signalled: a controller that lost its state gives old ids to new
  // jobs, and those are never signalled. POSIX sh (the account's login shell may not be bash).
  // `%F`: the array's id for each of its tasks, the job's own id otherwise (tasks repeat it).
  // One target is asked about alone, which the controller answers in a fraction of a listing's
  // time; an id it no longer knows then lists nothing (squeue fails saying so).
  if (targets.length === 0) throw new Error('stopCommand: no targets');
  const single = targets.length === 1 ? targets[0]! : null;
  const only = single ? `--jobs=${assertJobId(single.remoteJobId)}` : '--me';
  const listing = commandLine(['squeue', '--noheader', '--states=all', only, '--format=%F|%k']);
  const tagLine = (t: SignalTarget) =>
    `${assertJobId(t.remoteJobId)}|${TAG_PREFIX}${t.gatewayJobId}`;
  return [
    // The cluster's clock first: Slurm's end times are by it, not by the gateway's.
    'date +%s',
    // A listing that failed (the controller down) fails the command, with squeue's own words on
    // stderr: the stop is then kept for later, never taken for "not this job".
    `hpcgate_l=$(${listing} 2>&1) || case "$hpcgate_l" in *'Invalid job id specified'*) hpcgate_l= ;; *) printf '%s\\n' "$hpcgate_l" >&2; exit 75 ;; esac`,
    single
      ? // One target: a whole-line match in the shell itself, no process started for it.
        `hpcgate_nl='\n'\ncase "$hpcgate_nl$hpcgate_l$hpcgate_nl" in *"$hpcgate_nl"${shellQuote(tagLine(single))}"$hpcgate_nl"*) hpcgate_ids=${single.remoteJobId} ;; *) hpcgate_ids= ;; esac`
      : `hpcgate_ids=$(printf '%s\\n' "$hpcgate_l" | ${commandLine(['grep', '-xF', ...targets.flatMap((t) => ['-e', tagLine(t)])])} | cut -d'|' -f1 | sort -u)`,
    // Digits and white space only (whole-line matches of our own patterns): safe unquoted.
    `echo ${VERIFIED} $hpcgate_ids`,
    mode === 'drain-phases' && jobDir
      ? drainPhases(targets, jobDir)
      : targets.some((t) => t.tasks)
        ? signalTasks(targets, mode)
        : `[ -z "$hpcgate_ids" ] || { ${signalCommand(mode)}; }`,
    ...(single && !single.tasks
      ? readBack(squeueJobCommand(single.remoteJobId))
      : !single && readBackAll
        ? readBack(
            onlyJobs(
              `${TIME} ${commandLine([...SQUEUE_WORDS, '--me'])}`,
              targets.map((t) => t.remoteJobId),
            ),
          )
        : []),
  ].join('\n');
}

/**
 * The queue's word on the targets right after the signal, in the same command (a cancelled
 * queued job is CANCELLED at once), so that the stop's answer needs no second round trip: the
 * one target by its id, or the account's jobs. The signal's exit status stays the command's; a
 * read-back that fails only prints nothing.
 */
function readBack(listing: string): string[] {
  return [
    'hpcgate_rc=$?',
    `echo ${AFTER}`,
    `[ -z "$hpcgate_ids" ] || ${listing} 2>/dev/null`,
    'exit $hpcgate_rc',
  ];
}

/** stopCommand's line after which the queue's lines for its targets follow (see readBack). */
export const AFTER = 'hpcgate-after';

/** stopCommand's line naming the ids it found carrying their tags (and signalled). */
export const VERIFIED = 'hpcgate-verified';

/** Stops of some tasks of arrays: `scancel ID_[5-9]` for each array that carried its tag. */
function signalTasks(targets: readonly SignalTarget[], mode: SignalMode): string {
  const words = mode === 'interrupt' ? ['scancel', '--full', '--signal=INT'] : ['scancel'];
  return eachVerified(targets, (t, id) =>
    commandLine([...words, t.tasks ? `${id}_[${assertIndices(t.tasks)}]` : id]),
  );
}

/**
 * One command per target, run only if stopCommand's listing verified its id (`$hpcgate_ids`):
 * for stops that differ from target to target.
 */
function eachVerified(
  targets: readonly SignalTarget[],
  command: (target: SignalTarget, id: string) => string,
): string {
  return targets
    .map((t) => {
      const id = assertJobId(t.remoteJobId);
      return `case " $(echo $hpcgate_ids) " in *" ${id} "*) ${command(t, id)};; esac`;
    })
    .join('\n');
}

function assertIndices(tasks: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(tasks)) {
    throw new Error(`not task indices: ${JSON.stringify(tasks)}`);
  }
  return tasks;
}

/** A phased job's drain: DRAIN_FILE in the directory of each job that carried its tag. */
function drainPhases(targets: readonly SignalTarget[], jobDir: (id: string) => string): string {
  return eachVerified(targets, (t) => `: > ${jobDir(t.gatewayJobId)}/${DRAIN_FILE}`);
}

function signalCommand(mode: SignalMode): string {
  switch (mode) {
    case 'cancel':
      return `${commandLine(['scancel'])} $hpcgate_ids`;
    case 'interrupt':
      return `${commandLine(['scancel', '--full', '--signal=INT'])} $hpcgate_ids`;
    // Only what has not started: an array's pending tasks, or a job still queued.
    case 'drain':
      return `${commandLine(['scancel', '--state=PENDING'])} $hpcgate_ids`;
    // Only with the jobs' directories (drainPhases); without, nothing is sent.
    case 'drain-phases':
      return 'true';
    case 'force-stop':
      return (
        'for hpcgate_id in $hpcgate_ids; do ' +
        `for s in $(${commandLine(['squeue', '--noheader', '--steps'])} --jobs="$hpcgate_id" --format=%i); do ` +
        'case "$s" in *.batch|*.extern) ;; *) scancel --signal=KILL "$s";; esac; done; ' +
        `${commandLine(['scancel', '--batch', '--signal=USR2'])} "$hpcgate_id"; done`
      );
  }
}

function assertJobId(id: string): string {
  if (!/^\d+$/.test(id)) throw new Error(`not a Slurm job id: ${JSON.stringify(id)}`);
  return id;
}
