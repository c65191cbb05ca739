import type { JobTask, TaskSummary } from '@hpcgate/contract';
import type { JobChange, JobRecord, JobStore } from '../store/job-store.js';
import type { JobEvents } from './job-events.js';

/** Every change to a job goes through here: the store applies it, waiters hear of it. */
export class JobWriter {
  constructor(
    private readonly store: JobStore,
    private readonly events: JobEvents,
  ) {}

  /** A job array's tasks, where they changed, and their counts (not a change of the job). */
  async saveTasks(jobId: string, tasks: readonly JobTask[], summary: TaskSummary): Promise<void> {
    await this.store.saveTasks(jobId, tasks, summary);
  }

  async apply(jobId: string, change: JobChange): Promise<JobRecord | undefined> {
    const job = await this.store.update(jobId, change);
    if (job) this.events.changed(job);
    return job;
  }
}
