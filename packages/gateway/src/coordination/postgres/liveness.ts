/**
 * The replicas whose heartbeat is recent: what a claim counts by. A claim of a replica that
 * stopped beating (killed, cut off) is void after the lease time and may be taken over; one of
 * this replica's own is stale whenever its process lock is free (a release that failed).
 * `$ttl` is the lease time as an interval; `$self` this replica's id.
 */
export const CLAIM_IS_VOID = (table: string, ttl: string, self: string) =>
  `(${table}.replica = ${self} OR NOT EXISTS (
     SELECT 1 FROM replicas r WHERE r.id = ${table}.replica AND r.heartbeat > now() - ${ttl}))`;
