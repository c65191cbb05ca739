import type { JobChange, JobRecord, JobStore } from '../store/job-store.js';
import type { JobEvents } from './job-events.js';

/** Every change to a job goes through here: the store applies it, waiters hear of it. */
export class JobWriter {
  constructor(
    private readonly store: JobStore,
    private readonly events: JobEvents,
  ) {}

  async apply(jobId: string, change: JobChange): Promise<JobRecord | undefined> {
    const job = await this.store.update(jobId, change);
    if (job) this.events.changed(job);
    return job;
  }
}
