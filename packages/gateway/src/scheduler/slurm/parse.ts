import type { RemoteJob, RemoteOutcome, RemotePhase } from '../scheduler.js';
import { DRAINED_EXIT } from './batch-script.js';

/**
 * Pure parsers of Slurm's output. Every command runs with SLURM_TIME_FORMAT=%s, so times are
 * epoch seconds (or N/A, NONE, Unknown, 0 when there is none).
 */

const QUEUED = new Set([
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESV_DEL_HOLD',
  // Not an end: the job exited with the partition's or job's special exit code, and Slurm
  // requeued it held (it runs again once released). It stays watched.
  'SPECIAL_EXIT',
]);
const RUNNING = new Set([
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'STOPPED',
  'SIGNALING',
  'STAGE_OUT',
  'RESIZING',
]);
const ENDED: Record<string, RemoteOutcome> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  REVOKED: 'cancelled',
  TIMEOUT: 'timeout',
  OUT_OF_MEMORY: 'out_of_memory',
  NODE_FAIL: 'node_fail',
  BOOT_FAIL: 'node_fail',
  PREEMPTED: 'preempted',
  DEADLINE: 'deadline',
};

/** Where a Slurm state word puts a job; an unknown word counts as still queued (never as ended). */
export function classifyState(state: string): {
  phase: RemotePhase;
  outcome: RemoteOutcome | null;
} {
  // sacct writes "CANCELLED by 1000"; squeue can add a "+" flag marker.
  const word = state.split(/[ +]/)[0]!.toUpperCase();
  const outcome = ENDED[word];
  if (outcome) return { phase: 'ended', outcome };
  if (RUNNING.has(word)) return { phase: 'running', outcome: null };
  if (QUEUED.has(word)) return { phase: 'queued', outcome: null };
  return { phase: 'queued', outcome: null };
}

/** A job that failed with the wrapper's drained status was drained with phases left. */
function drainedOr(outcome: RemoteOutcome | null, exitCode: number | null): RemoteOutcome | null {
  return outcome === 'failed' && exitCode === DRAINED_EXIT ? 'drained' : outcome;
}

/** Epoch seconds → ISO time; Slurm's words for "no time" → null. */
export function parseSlurmTime(value: string): string | null {
  if (!/^\d+$/.test(value)) return null;
  const seconds = Number(value);
  return seconds > 0 ? new Date(seconds * 1000).toISOString() : null;
}

/** `squeue -O exit_code` is a raw wait status: exit code in the high byte, signal in the low bits. */
export function parseWaitStatus(value: string): {
  exitCode: number | null;
  exitSignal: number | null;
} {
  if (!/^\d+$/.test(value)) return { exitCode: null, exitSignal: null };
  const status = Number(value);
  return { exitCode: (status >> 8) & 0xff, exitSignal: status & 0x7f };
}

/** `ExitCode` as sacct and scontrol write it: `exit:signal`. */
export function parseExitPair(value: string): {
  exitCode: number | null;
  exitSignal: number | null;
} {
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m) return { exitCode: null, exitSignal: null };
  return { exitCode: Number(m[1]), exitSignal: Number(m[2]) };
}

/** The tag the gateway puts in `--comment`, so that a job can be traced back to its hpcgate id. */
export const TAG_PREFIX = 'hpcgate:';

export function parseTag(comment: string): string | null {
  return comment.startsWith(TAG_PREFIX) ? comment.slice(TAG_PREFIX.length) : null;
}

/**
 * `123` (a job), `123_7` (task 7 of array 123). Anything else is skipped: steps (`123.batch`),
 * and an array's pending tasks still grouped (`123_[8-20%4]`, without `squeue --array`).
 */
function jobIds(id: string): { remoteJobId: string; arrayTaskId: number | null } | null {
  const m = /^(\d+)(?:_(\d+))?$/.exec(id);
  if (!m) return null;
  return { remoteJobId: m[1]!, arrayTaskId: m[2] === undefined ? null : Number(m[2]) };
}

export const SQUEUE_FIELDS =
  'JobArrayID:|,State:|,Reason:|,exit_code:|,StartTime:|,EndTime:|,SubmitTime:|,UserName:|,Comment:|';

/**
 * Parses `squeue -h -t all -O <SQUEUE_FIELDS>`: one line per job, each field followed by `|`.
 * The comment comes last, so a `|` inside it cannot shift the other fields.
 */
export function parseSqueue(output: string): RemoteJob[] {
  const jobs: RemoteJob[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const fields = line.replace(/\|$/, '').split('|');
    if (fields.length < 9) continue;
    const [id, state, reason, exit, start, end, submit, user] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const comment = fields.slice(8).join('|');
    const ids = jobIds(id.trim());
    if (!ids) continue;
    const { phase, outcome: word } = classifyState(state);
    const waited = phase === 'ended' ? parseWaitStatus(exit) : { exitCode: null, exitSignal: null };
    const outcome = drainedOr(word, waited.exitCode);
    jobs.push({
      remoteJobId: ids.remoteJobId,
      arrayTaskId: ids.arrayTaskId,
      state: state.trim(),
      phase,
      outcome,
      reason: reason && reason !== 'None' ? reason : null,
      ...waited,
      started: parseSlurmTime(start),
      ended: phase === 'ended' ? parseSlurmTime(end) : null,
      gatewayJobId: parseTag(comment),
      remoteUser: user.trim() || null,
      submitted: parseSlurmTime(submit),
    });
  }
  return jobs;
}

export const SACCT_FIELDS = 'JobID,State,ExitCode,Start,End,User,Submit';

/**
 * Parses `sacct -n -P -o <SACCT_FIELDS>` (the accounting database, or with -c the completion
 * file). Only whole-job lines count: steps (`123.batch`) are skipped. Every record is kept, in
 * order: one id may name several jobs (requeued, or reused after the controller lost its state),
 * told apart by account and submit time.
 */
export function parseSacct(output: string): RemoteJob[] {
  const records: RemoteJob[] = [];
  for (const line of output.split('\n')) {
    const fields = line.trim().split('|');
    if (fields.length < 7) continue;
    const [id, state, exit, start, end, user, submit] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const ids = jobIds(id);
    if (!ids) continue;
    const { phase, outcome: word } = classifyState(state);
    const pair = parseExitPair(exit);
    const outcome = drainedOr(word, pair.exitCode);
    records.push({
      remoteJobId: ids.remoteJobId,
      arrayTaskId: ids.arrayTaskId,
      state: state.split(' ')[0]!,
      phase,
      outcome,
      reason: null,
      ...pair,
      started: parseSlurmTime(start),
      ended: parseSlurmTime(end),
      gatewayJobId: null,
      // The completion file writes `alice(1003)`, accounting `alice`.
      remoteUser: user.replace(/\(\d+\)$/, '').trim() || null,
      submitted: parseSlurmTime(submit),
    });
  }
  return records;
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatch(output: string): string | null {
  const m = /^(\d+)(;\S+)?\s*$/m.exec(output.trim());
  return m ? m[1]! : null;
}
