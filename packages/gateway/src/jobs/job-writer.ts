import type { JobTask, TaskSummary } from '@hpcgate/contract';
import type { Lease } from '../coordination/leases.js';
import { FencedOutError } from '../store/fence.js';
import type { JobChange, JobRecord, JobStore } from '../store/job-store.js';
import type { JobEvents } from './job-events.js';

/** Every change to a job goes through here: the store applies it, waiters hear of it. */
export class JobWriter {
  constructor(
    private readonly store: JobStore,
    private readonly events: JobEvents,
    /** Writes only while this lease is held, each fenced by its epoch (a poller's writer). */
    private readonly lease?: Lease,
  ) {}

  /** The same writer, for the holder of `lease`: nothing is written once it is lost. */
  fencedBy(lease: Lease): JobWriter {
    return new JobWriter(this.store, this.events, lease);
  }

  /** A job array's tasks, where they changed, and their counts (not a change of the job). */
  async saveTasks(jobId: string, tasks: readonly JobTask[], summary: TaskSummary): Promise<void> {
    this.fence();
    await this.store.saveTasks(jobId, tasks, summary);
  }

  async apply(jobId: string, change: JobChange): Promise<JobRecord | undefined> {
    const fence = this.fence();
    const job = await this.store.update(jobId, fence ? { ...change, fence } : change);
    if (job) this.events.changed(job);
    return job;
  }

  private fence() {
    if (!this.lease) return undefined;
    if (!this.lease.held()) {
      throw new FencedOutError({ name: this.lease.name, holder: 'this replica', epoch: -1 });
    }
    return this.lease.fence();
  }
}
