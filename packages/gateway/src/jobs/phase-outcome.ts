import { isTerminal, type JobStatus, type JobTask, type StopRequest } from '@hpcgate/contract';
import type { PhaseEvent } from '../scheduler/job-files.js';

/**
 * A phased job's phases as tasks, from what its wrapper recorded and where the job is. Pure.
 * A phase that started and never ended was killed (CANCELED) once the job is over; one never
 * reached is SKIPPED then; a phase that failed while a user's stop ended the job is CANCELED.
 */
export function phaseTasks(
  names: readonly string[],
  events: readonly PhaseEvent[],
  job: { status: JobStatus; stopRequest: StopRequest | null },
): JobTask[] {
  const over = isTerminal(job.status);
  const stopped = job.status === 'CANCELLED' && job.stopRequest !== null;
  return names.map((name, i) => {
    const mine = events.filter((e) => e.phase === i + 1);
    const start = mine.find((e) => e.kind === 'start');
    const end = mine.find((e) => e.kind === 'end');
    const skip = mine.find((e) => e.kind === 'skip');
    const task: JobTask = {
      index: i + 1,
      name,
      status: over ? 'SKIPPED' : 'PENDING',
      remoteState: null,
      exitCode: end?.exitCode ?? null,
      started: start?.at ?? null,
      ended: end?.at ?? skip?.at ?? null,
    };
    if (skip) task.status = 'SKIPPED';
    else if (end) {
      task.status =
        end.exitCode === 0
          ? 'SUCCEEDED'
          : stopped && job.stopRequest?.mode !== 'drain'
            ? 'CANCELED'
            : 'FAILED';
    } else if (start) task.status = over ? 'CANCELED' : 'RUNNING';
    return task;
  });
}
