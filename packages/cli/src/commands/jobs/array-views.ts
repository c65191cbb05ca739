import type { JobArray, TaskStatus, TaskSummary } from '@hpcgate/sdk';

/** How a job array is shown: its indices, and its task counts in words. */

/**
 * A job array's task counts in words. The key order is the order shown, the same everywhere so
 * that a person finds each count in its place: how the tasks that ended came out first (good,
 * then bad), then what is still running or waiting, then what never started. A Record (not the
 * contract's list, which would load zod at startup) so that a new status fails typecheck here.
 */
const LABELS: Record<TaskStatus, string> = {
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
  RUNNING: 'Running',
  PENDING: 'Pending',
  SKIPPED: 'Skipped',
};
const ORDER = Object.keys(LABELS) as TaskStatus[];

/** The statuses with a count above zero, in the order above. */
function nonZero(summary: TaskSummary): [TaskStatus, number][] {
  return ORDER.map((s) => [s, summary.counts[s] ?? 0] as [TaskStatus, number]).filter(
    ([, n]) => n > 0,
  );
}

/** `Succeeded 12 · Running 3 · Skipped 85`; `no tasks` when there are none. */
export function taskCountsLine(summary: TaskSummary): string {
  const parts = nonZero(summary).map(([s, n]) => `${LABELS[s]} ${n}`);
  return parts.length ? parts.join(' · ') : 'no tasks';
}

/** `3 running, 40 skipped`: the same counts inside a sentence. */
export function taskCountsNote(summary: TaskSummary): string {
  const parts = nonZero(summary).map(([s, n]) => `${n} ${LABELS[s].toLowerCase()}`);
  return parts.length ? parts.join(', ') : 'no tasks';
}

/** `1-100`, `1-100, at most 10 at once`: the array asked for. */
export function arrayText(array: JobArray): string {
  return array.maxParallel === undefined
    ? array.indices
    : `${array.indices}, at most ${array.maxParallel} at once`;
}
