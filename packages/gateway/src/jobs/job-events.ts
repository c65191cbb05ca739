import { EventEmitter } from 'node:events';
import { isTerminal } from '@hpcgate/contract';
import type { JobRecord } from '../store/job-store.js';

/** The emitter's channel for every job's changes (a symbol: no job id can collide with it). */
const ANY_JOB = Symbol('any job');

/** Tells waiters when a job changed, so `wait` answers as soon as the job ends. */
export class JobEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per waiting request; many may wait at once.
    this.emitter.setMaxListeners(0);
  }

  changed(job: JobRecord): void {
    this.emitter.emit(job.id, job);
    this.emitter.emit(ANY_JOB, job);
  }

  /** Calls `listener` after every change to the job; the returned function stops that. */
  subscribe(jobId: string, listener: (job: JobRecord) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  /** Calls `listener` after every change to any job; the returned function stops that. */
  subscribeAll(listener: (job: JobRecord) => void): () => void {
    this.emitter.on(ANY_JOB, listener);
    return () => this.emitter.off(ANY_JOB, listener);
  }

  /** How many listeners wait on the job's changes (without an id: on every job's). */
  listenerCount(jobId?: string): number {
    return this.emitter.listenerCount(jobId ?? ANY_JOB);
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
