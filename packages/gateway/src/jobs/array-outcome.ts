import { type JobTask, TASK_STATUSES, type TaskStatus, type TaskSummary } from '@hpcgate/contract';
import type { RemoteJob, RemoteOutcome } from '../scheduler/scheduler.js';

/**
 * A job array seen through its tasks: each task's status, their counts, and the array as one
 * remote job (what `changeFromRemote` judges, like any job). Pure.
 */

/**
 * What one task is, from what Slurm says of it and what it was before (a task seen running and
 * then cancelled was CANCELED; Slurm gives a task cancelled while queued a start time too).
 */
export function taskFromRemote(remote: RemoteJob, before?: TaskStatus): JobTask {
  return {
    index: remote.arrayTaskId ?? 0,
    name: null,
    status: taskStatus(remote, before),
    remoteState: remote.state,
    exitCode: remote.phase === 'ended' ? remote.exitCode : null,
    started: remote.phase === 'queued' ? null : remote.started,
    ended: remote.phase === 'ended' ? remote.ended : null,
  };
}

function taskStatus(remote: RemoteJob, before?: TaskStatus): TaskStatus {
  if (remote.phase === 'queued') return 'PENDING';
  if (remote.phase === 'running') return 'RUNNING';
  if (remote.outcome === 'completed' && (remote.exitCode ?? 0) === 0) return 'SUCCEEDED';
  if (remote.outcome === 'cancelled') {
    // Cancelled before it ran (a drain, a stop of the array): skipped. Slurm's start time of a
    // task cancelled while queued is its end time.
    const ran =
      before === 'RUNNING' ||
      before === 'CANCELED' ||
      (before === undefined &&
        remote.started !== null &&
        remote.ended !== null &&
        remote.started < remote.ended);
    return ran ? 'CANCELED' : 'SKIPPED';
  }
  return 'FAILED';
}

/** The counts by status; tasks Slurm does not show (yet) count as pending. */
export function summarize(total: number, tasks: readonly JobTask[]): TaskSummary {
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as TaskSummary['counts'];
  for (const t of tasks) counts[t.status]++;
  counts.PENDING += Math.max(0, total - tasks.length);
  return { total, counts };
}

/** Outcomes of tasks that failed on their own, in the order one is chosen to speak for the array. */
const FAILURES: readonly RemoteOutcome[] = [
  'failed',
  'timeout',
  'out_of_memory',
  'node_fail',
  'preempted',
  'deadline',
  'drained',
];

/**
 * The array as one remote job: running while any task runs (or some ended and some wait),
 * ended once every task has; then failed if a task failed, cancelled if a task was cancelled or
 * skipped, completed otherwise.
 */
export function aggregateTasks(
  arrayJobId: string,
  tasks: readonly RemoteJob[],
  total: number,
): RemoteJob {
  const ended = tasks.filter((t) => t.phase === 'ended');
  const running = tasks.some((t) => t.phase === 'running');
  const allEnded = ended.length >= total && tasks.length >= total;
  const phase = allEnded ? 'ended' : running || ended.length > 0 ? 'running' : 'queued';
  let outcome: RemoteOutcome | null = null;
  if (phase === 'ended') {
    outcome =
      FAILURES.find((o) => ended.some((t) => t.outcome === o)) ??
      (ended.some((t) => t.outcome === 'cancelled') ? 'cancelled' : 'completed');
  }
  const word: Record<string, string> = {
    queued: 'PENDING',
    running: 'RUNNING',
    completed: 'COMPLETED',
    cancelled: 'CANCELLED',
  };
  const exitCodes = ended.map((t) => t.exitCode).filter((c): c is number => c !== null);
  const times = (pick: (t: RemoteJob) => string | null) =>
    tasks
      .map(pick)
      .filter((x): x is string => x !== null)
      .sort();
  const tagged = tasks.find((t) => t.gatewayJobId !== null) ?? tasks[0];
  return {
    remoteJobId: arrayJobId,
    arrayTaskId: null,
    state: outcome ? (word[outcome] ?? outcome.toUpperCase()) : word[phase]!,
    phase,
    outcome,
    reason: tasks.find((t) => t.phase === 'queued')?.reason ?? null,
    exitCode: phase === 'ended' ? (exitCodes.length ? Math.max(...exitCodes) : 0) : null,
    exitSignal: phase === 'ended' ? (ended.find((t) => t.exitSignal)?.exitSignal ?? 0) : null,
    started: times((t) => (t.phase === 'queued' ? null : t.started))[0] ?? null,
    ended: phase === 'ended' ? (times((t) => t.ended).at(-1) ?? null) : null,
    gatewayJobId: tagged?.gatewayJobId ?? null,
    remoteUser: tagged?.remoteUser ?? null,
    submitted: tagged?.submitted ?? null,
  };
}
