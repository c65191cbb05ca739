import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Coordination } from '../coordination.js';
import type { Lease, LeaseState } from '../leases.js';
import { LeaseKeeper } from './lease-keeper.js';
import { PgBus } from './pg-bus.js';
import { PgJobLocks } from './pg-job-locks.js';
import { PgRequestClaims } from './pg-request-claims.js';

export interface PgCoordinationOptions {
  pool: pg.Pool;
  /** For the bus's own listening connection. */
  connectionString: string;
  schema: string;
  replicaId: string;
  leaseTtlMs: number;
  log: FastifyBaseLogger;
}

/** Replicas on one PostgreSQL: heartbeats and leases, job and request claims, and a bus. */
export class PgCoordination implements Coordination {
  readonly mode = 'postgres' as const;
  readonly replicaId: string;
  readonly locks: PgJobLocks;
  readonly requestClaims: PgRequestClaims;
  readonly bus: PgBus;
  private readonly keeper: LeaseKeeper;

  constructor(opts: PgCoordinationOptions) {
    this.replicaId = opts.replicaId;
    const { pool, replicaId, leaseTtlMs: ttlMs, log } = opts;
    this.keeper = new LeaseKeeper(pool, { replicaId, ttlMs }, log);
    this.locks = new PgJobLocks(pool, replicaId, ttlMs, log);
    this.requestClaims = new PgRequestClaims(pool, replicaId, ttlMs);
    this.bus = new PgBus(
      pool,
      { connectionString: opts.connectionString },
      opts.schema,
      replicaId,
      log,
    );
  }

  lease(name: string): Lease {
    return this.keeper.lease(name);
  }

  leaseStates(): Promise<LeaseState[]> {
    return this.keeper.states();
  }

  async start(): Promise<void> {
    await this.bus.start();
    await this.keeper.start();
  }

  async close(): Promise<void> {
    await this.keeper.close();
    await this.bus.close();
  }
}
