import type { JobSelector, StopJobResult, StopJobsStatus, StopMode } from '@hpcgate/contract';

/** A list in a message shows this many values, then how many more there are. */
const SHOWN_VALUES = 5;

/** What a bulk stop did as a whole, beside its results (docs/stopping.md#abandon). */
export interface StopSummary {
  status: StopJobsStatus;
  message: string;
}

/**
 * STOPPED (WOULD_STOP for whatIf) when at least one matched job had not ended, NO_JOBS_RUNNING
 * when nothing matched or every match had already ended: the caller asked for "nothing of this
 * runs any more", and that holds either way. The message names the selector, so that a log line
 * says which jobs were meant.
 */
export function summarizeStop(
  selector: JobSelector,
  mode: StopMode,
  whatIf: boolean,
  results: readonly StopJobResult[],
): StopSummary {
  const count = (outcome: StopJobResult['outcome']) =>
    results.filter((r) => r.outcome === outcome).length;
  const ended = count('not_cancellable');
  const match = `that match ${describeSelector(selector)}`;
  const endedNote =
    ended === 0
      ? ''
      : ` (${ended} matching ${ended === 1 ? 'job has' : 'jobs have'} already ended)`;
  if (ended === results.length) {
    return {
      status: 'NO_JOBS_RUNNING',
      message: `no job executions are currently running ${match}${endedNote}`,
    };
  }
  if (whatIf) {
    return {
      status: 'WOULD_STOP',
      message: `would ${mode} ${executions(count('would_stop'))} ${match}${endedNote}`,
    };
  }
  const stopped = count('stopped');
  const failed = count('error');
  const of = failed === 0 ? executions(stopped) : `${stopped} of ${executions(stopped + failed)}`;
  const failedNote = failed === 0 ? '' : `; ${failed} could not be stopped (see results)`;
  return {
    status: 'STOPPED',
    message: `${mode} requested for ${of} ${match}${failedNote}${endedNote}`,
  };
}

/**
 * `names=[nightly-*], status=[RUNNING]`: each criterion given, in the selector's order, lists cut
 * to {@link SHOWN_VALUES} values (10,000 ids would make a message of 370 KB), control characters
 * shown as `?` (a name pattern may hold any; the message reaches logs and terminals).
 */
export function describeSelector(selector: JobSelector): string {
  const { ids, names, status, execSystemId, tags, owner } = selector;
  const parts: string[] = [];
  const list = (key: string, values: readonly string[] | undefined) => {
    if (values === undefined) return;
    const shown = values.slice(0, SHOWN_VALUES).join(', ');
    const more = values.length > SHOWN_VALUES ? `, … (+${values.length - SHOWN_VALUES} more)` : '';
    parts.push(`${key}=[${shown}${more}]`);
  };
  list('ids', ids);
  list('names', names);
  list('status', status);
  if (execSystemId !== undefined) parts.push(`execSystemId=${execSystemId}`);
  list('tags', tags);
  if (owner !== undefined) parts.push(`owner=${owner}`);
  return parts.join(', ').replace(/\p{Cc}/gu, '?');
}

const executions = (n: number) => (n === 1 ? '1 job execution' : `${n} job executions`);
