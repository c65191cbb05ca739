/**
 * What a lease holder hands the store with each write it makes as holder (docs/replicas.md): the
 * write is refused with {@link FencedOutError} unless the lease is still this holder's, at this
 * epoch. A replica that lost its lease without knowing it (a pause, a partition) cannot overwrite
 * what its successor wrote. Only PostgreSQL has leases; one process on SQLite is never fenced.
 */
export interface LeaseFence {
  name: string;
  holder: string;
  epoch: number;
}

/** Thrown by a fenced write whose lease is no longer the writer's. */
export class FencedOutError extends Error {
  override name = 'FencedOutError';
  constructor(fence: LeaseFence) {
    super(`lease ${fence.name} (epoch ${fence.epoch}) is no longer held by ${fence.holder}`);
  }
}
