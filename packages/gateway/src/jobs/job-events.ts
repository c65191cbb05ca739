import { EventEmitter } from 'node:events';
import { isTerminal } from '@hpcgate/contract';
import type { JobRecord } from '../store/job-store.js';

/** Tells waiters when a job changed, so `wait` answers as soon as the job ends. */
export class JobEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per waiting request; many may wait at once.
    this.emitter.setMaxListeners(0);
  }

  changed(job: JobRecord): void {
    this.emitter.emit(job.id, job);
  }

  /**
   * `job` resolves with the job once it is terminal, or with null after `timeoutMs` or `cancel()`.
   */
  untilTerminal(
    jobId: string,
    timeoutMs: number,
  ): { job: Promise<JobRecord | null>; cancel: () => void } {
    let cancel = () => {};
    const job = new Promise<JobRecord | null>((resolve) => {
      const done = (j: JobRecord | null) => {
        clearTimeout(timer);
        this.emitter.off(jobId, onChange);
        resolve(j);
      };
      const onChange = (j: JobRecord) => {
        if (isTerminal(j.status)) done(j);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.emitter.on(jobId, onChange);
      cancel = () => done(null);
    });
    return { job, cancel };
  }
}
