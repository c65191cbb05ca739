/**
 * Requests under an Idempotency-Key in flight, across replicas: a retry that reaches another
 * replica while the first still runs waits for its answer instead of running beside it.
 */
export interface RequestClaims {
  /** Takes the claim, or resolves false while another live replica holds it. */
  tryClaim(owner: string, key: string): Promise<boolean>;
  release(owner: string, key: string): Promise<void>;
}
