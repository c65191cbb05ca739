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

  /** Resolves with the job once it is terminal, or with null after `timeoutMs`. */
  untilTerminal(jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<JobRecord | null> {
    return new Promise((resolve) => {
      const done = (job: JobRecord | null) => {
        clearTimeout(timer);
        this.emitter.off(jobId, onChange);
        signal?.removeEventListener('abort', onAbort);
        resolve(job);
      };
      const onChange = (job: JobRecord) => {
        if (isTerminal(job.status)) done(job);
      };
      const onAbort = () => done(null);
      const timer = setTimeout(() => done(null), timeoutMs);
      this.emitter.on(jobId, onChange);
      signal?.addEventListener('abort', onAbort);
    });
  }
}
