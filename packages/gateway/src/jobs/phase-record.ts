import type { JobTask } from '@hpcgate/contract';
import type { JobRecord, JobStore } from '../store/job-store.js';
import { summarize } from './array-outcome.js';
import type { ExecutionSystem } from './execution-system.js';
import { phaseTasks } from './phase-outcome.js';

/**
 * A phased job's phases as its wrapper's record on the cluster says now (none read: no record
 * yet, or no account there), kept in the store with their counts; what the tasks route shows
 * while the job runs, and what the log collector keeps once it is over.
 */
export async function refreshPhaseTasks(
  job: JobRecord,
  systems: ReadonlyMap<string, ExecutionSystem>,
  store: JobStore,
): Promise<JobTask[]> {
  const names = (job.phases ?? []).map((p) => p.name);
  const system = systems.get(job.execSystemId);
  const events =
    system && job.remoteUser
      ? await system.scheduler.files.phaseEvents({ gatewayJobId: job.id, account: job.remoteUser })
      : null;
  const rows = phaseTasks(names, events ?? [], job);
  await store.saveTasks(job.id, rows, summarize(names.length, rows));
  return rows;
}
