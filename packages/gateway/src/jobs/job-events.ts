import { EventEmitter } from 'node:events';
import { isTerminal } from '@hpcgate/contract';
import type { JobRecord } from '../store/job-store.js';

/** The emitter's channels for every job's changes (symbols: no job id can collide with them). */
const ANY_JOB = Symbol('any job');
const WRITTEN_HERE = Symbol('written here');

/**
 * Tells waiters when a job changed, so `wait` answers as soon as the job ends and streams read
 * on. Changes written here are also relayed (to the other replicas); changes another replica
 * wrote come back through {@link heard}.
 */
export class JobEvents {
  private readonly emitter = new EventEmitter();
  private relay: (jobId: string) => void = () => {};

  constructor() {
    // One listener per waiting request; many may wait at once.
    this.emitter.setMaxListeners(0);
  }

  /** Where changes written here go besides this process's listeners (the replicas' bus). */
  relayTo(relay: (jobId: string) => void): void {
    this.relay = relay;
  }

  /** A change this process wrote. */
  changed(job: JobRecord): void {
    this.emitter.emit(job.id, job);
    this.emitter.emit(ANY_JOB, job);
    this.emitter.emit(WRITTEN_HERE, job);
    this.relay(job.id);
  }

  /** A change another replica wrote, as read back from the store. */
  heard(job: JobRecord): void {
    this.emitter.emit(job.id, job);
    this.emitter.emit(ANY_JOB, job);
  }

  /** Changes may have gone unheard (the replicas' bus reconnected): every-job listeners read on. */
  wakeAll(): void {
    this.emitter.emit(ANY_JOB, null);
  }

  /** Calls `listener` after every change to the job; the returned function stops that. */
  subscribe(jobId: string, listener: (job: JobRecord) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  /**
   * Calls `listener` after every change to any job, wherever it was written; with null when
   * changes may have been missed. The returned function stops that.
   */
  subscribeAll(listener: (job: JobRecord | null) => void): () => void {
    this.emitter.on(ANY_JOB, listener);
    return () => this.emitter.off(ANY_JOB, listener);
  }

  /**
   * Calls `listener` after every change written by this process only: for work the writer of a
   * change does once (the logs of a job that ended), not every replica.
   */
  subscribeWritten(listener: (job: JobRecord) => void): () => void {
    this.emitter.on(WRITTEN_HERE, listener);
    return () => this.emitter.off(WRITTEN_HERE, listener);
  }

  /** The jobs someone here waits on by id. */
  followed(): string[] {
    return this.emitter.eventNames().filter((n): n is string => typeof n === 'string');
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
