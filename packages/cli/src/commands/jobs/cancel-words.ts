import type { Job, StopMode } from '@hpcgate/sdk';
import { taskCountsNote } from './array-views.js';
import { escalationText } from './escalate.js';
import { isTerminal } from './states.js';
import { stateText } from './views.js';

/**
 * What `jobs cancel` says about a job it asked to stop, in honest words: an accepted request is
 * not a stopped job, and a drained array is not a cancelled one until the gateway says so.
 */

/**
 * Where the job is after a stop of `mode`. For a drain of an array, what still runs and what was
 * skipped say more than its Slurm id: `RUNNING (3 running, 40 skipped)`.
 */
export function stopStateText(mode: StopMode, job: Job): string {
  if (mode !== 'drain' || !job.tasks) return stateText(job);
  const notes = [job.condition, taskCountsNote(job.tasks)].filter(Boolean);
  return `${job.status} (${notes.join(', ')})`;
}

/** The line for a cancel the gateway accepted; never "cancelled" unless the job's status says so. */
export function resultLine(mode: StopMode, job: Job): string {
  const state = stopStateText(mode, job);
  if (job.status === 'CANCELLED') return `cancelled ${job.id}: job is ${state}`;
  if (isTerminal(job.status)) {
    // A drain that found nothing left to skip: what ran finished its own way, the drain in force.
    const stop = job.stopRequest;
    if (mode === 'drain' && stop?.mode === 'drain' && stop.outcome === 'CONFIRMED') {
      return `drained ${job.id}: nothing was left to skip; job is ${state}`;
    }
    return `job ${job.id} ended ${state} before the ${mode} took effect`;
  }
  const plan = job.stopRequest?.escalation;
  const then = plan?.steps.length ? `; ${escalationText(plan)} if it still runs` : '';
  return `${mode} requested for ${job.id}: job is ${state}${then}`;
}
