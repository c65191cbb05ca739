import type { JobLocks } from './job-locks.js';
import type { Lease, LeaseState } from './leases.js';
import type { ReplicaBus } from './replica-bus.js';
import type { RequestClaims } from './request-claims.js';

/**
 * What one gateway agrees on with the others (docs/replicas.md): in one process (the embedded
 * store) everything is local; on PostgreSQL, in the database.
 */
export interface Coordination {
  readonly replicaId: string;
  readonly mode: 'process' | 'postgres';
  /** One remote action per job at a time, across replicas. */
  readonly locks: JobLocks;
  /** Idempotency-Key requests in flight elsewhere; null in one process (its own map suffices). */
  readonly requestClaims: RequestClaims | null;
  readonly bus: ReplicaBus;
  /** The named lease (`poll:<system>`, `webhooks`); the same object for the same name. */
  lease(name: string): Lease;
  leaseStates(): Promise<LeaseState[]>;
  start(): Promise<void>;
  /** Gives up its leases and claims (others take over at once), then closes. */
  close(): Promise<void>;
}
