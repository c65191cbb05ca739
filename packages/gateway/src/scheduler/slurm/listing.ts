import type { PollResult, RemoteJob } from '../scheduler.js';
import { parseSqueue } from './parse.js';

/** A queue listing indexed as the poll reads it: jobs by id and by tag, array tasks by array. */
export interface IndexedListing {
  byId: Map<string, RemoteJob>;
  byTag: Map<string, RemoteJob>;
  /** Each array's tasks by index; poll() adds the final records of purged ones. */
  tasks: Map<string, Map<number, RemoteJob>>;
}

export function indexListing(listing: string): IndexedListing {
  const byId = new Map<string, RemoteJob>();
  const byTag = new Map<string, RemoteJob>();
  const tasks = new Map<string, Map<number, RemoteJob>>();
  for (const job of parseSqueue(listing)) {
    if (job.gatewayJobId && !byTag.has(job.gatewayJobId)) byTag.set(job.gatewayJobId, job);
    if (job.arrayTaskId === null) {
      byId.set(job.remoteJobId, job);
      continue;
    }
    const group = tasks.get(job.remoteJobId) ?? new Map<number, RemoteJob>();
    tasks.set(job.remoteJobId, group);
    group.set(job.arrayTaskId, job);
  }
  return { byId, byTag, tasks };
}

/** What a poll answers of the asked-for ids (`wanted`): their jobs, and their arrays' tasks in order. */
export function askedAbout(
  { byId, byTag, tasks }: IndexedListing,
  wanted: ReadonlySet<string>,
): Pick<PollResult, 'byId' | 'byTag' | 'tasks'> {
  return {
    byId: new Map([...byId].filter(([id]) => wanted.has(id))),
    tasks: new Map(
      [...tasks]
        .filter(([id]) => wanted.has(id))
        .map(([id, group]) => [
          id,
          [...group.values()].sort((a, b) => a.arrayTaskId! - b.arrayTaskId!),
        ]),
    ),
    byTag,
  };
}
