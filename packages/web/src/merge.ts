import type { Job, JobEvent } from '@hpcgate/contract';

// Reads of jobs and histories arrive out of order and overlap (a stream replays, a refetch
// races a POST answer): these keep the newest of each.

/** History events merged by `seq` (the stream replays what a read already has), in order. */
export function mergeEvents(current: JobEvent[], incoming: JobEvent[]): JobEvent[] {
  const bySeq = new Map(current.map((e) => [e.seq, e]));
  for (const e of incoming) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Of two reads of one job, the later one (answers may arrive out of order). */
export function fresher(current: Job | null, next: Job): Job {
  if (!current || current.id !== next.id) return next;
  return next.lastUpdated >= current.lastUpdated ? next : current;
}
