import type { Job } from '@hpcgate/contract';
import { fresher } from './merge.js';

/** The jobs the list shows, newest first, and where the next page starts. */
export interface ListState {
  jobs: Job[];
  nextCursor: string | null;
}

/** Newest first, as the gateway lists them (ties by id, as any stable order would do). */
function newerFirst(a: Job, b: Job): number {
  if (a.created !== b.created) return a.created < b.created ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** The next page appended; a job already shown (brought in live meanwhile) is not shown twice. */
export function appendPage(state: ListState, page: ListState): ListState {
  const shown = new Set(state.jobs.map((j) => j.id));
  return {
    jobs: [...state.jobs, ...page.jobs.filter((j) => !shown.has(j.id))],
    nextCursor: page.nextCursor,
  };
}

/**
 * A job as the live stream brought it: a listed job is updated in place, whatever its status now
 * (a job that left the status filter stays until the next load: rows do not vanish under the
 * pointer). A new job that matches is put in its place by creation time; one older than every
 * loaded job while more pages remain is left for "Load more" to bring, in order.
 */
export function upsertJob(state: ListState, job: Job, matches: boolean): ListState {
  const at = state.jobs.findIndex((j) => j.id === job.id);
  if (at >= 0) {
    const jobs = state.jobs.slice();
    jobs[at] = fresher(state.jobs[at] ?? null, job);
    return { ...state, jobs };
  }
  if (!matches) return state;
  const oldest = state.jobs[state.jobs.length - 1];
  if (state.nextCursor !== null && oldest && newerFirst(job, oldest) > 0) return state;
  // Before the first shown job it is newer than; the rows already shown keep their order.
  const before = state.jobs.findIndex((j) => newerFirst(job, j) < 0);
  const jobs = state.jobs.slice();
  jobs.splice(before < 0 ? jobs.length : before, 0, job);
  return { ...state, jobs };
}
