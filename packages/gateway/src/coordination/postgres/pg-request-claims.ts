import type pg from 'pg';
import { hasNul } from '../../store/postgres/pg-tx.js';
import type { RequestClaims } from '../request-claims.js';
import { CLAIM_IS_VOID } from './liveness.js';

/** Idempotency-Key requests in flight, as rows of `request_claims`, counted while their replica beats. */
export class PgRequestClaims implements RequestClaims {
  constructor(
    private readonly pool: pg.Pool,
    private readonly replicaId: string,
    private readonly ttlMs: number,
  ) {}

  async tryClaim(owner: string, key: string): Promise<boolean> {
    // The key passed its pattern; an owner is a token's claim: PostgreSQL text cannot hold NUL.
    if (hasNul(owner, key)) return true;
    const { rowCount } = await this.pool.query(
      `INSERT INTO request_claims (owner, key, replica, since) VALUES ($1, $2, $3, now())
       ON CONFLICT (owner, key) DO UPDATE SET replica = EXCLUDED.replica, since = EXCLUDED.since
       WHERE ${CLAIM_IS_VOID('request_claims', '$4::interval', '$3')}`,
      [owner, key, this.replicaId, `${this.ttlMs} milliseconds`],
    );
    return rowCount === 1;
  }

  async release(owner: string, key: string): Promise<void> {
    if (hasNul(owner, key)) return;
    await this.pool.query(
      'DELETE FROM request_claims WHERE owner = $1 AND key = $2 AND replica = $3',
      [owner, key, this.replicaId],
    );
  }
}
