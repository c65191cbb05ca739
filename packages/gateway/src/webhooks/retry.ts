/** How long after a failed attempt the next one goes, and for how long a delivery is retried. */
export interface RetryPolicy {
  retryBaseMs: number;
  retryMaxDelayMs: number;
  retryForMs: number;
}

/**
 * The delay before attempt `attempt + 1`, after `attempt` failed: `retryBaseMs` doubled each time
 * (1 s, 2 s, 4 s … by default), capped at `retryMaxDelayMs`, plus up to 10 % at random so that
 * the deliveries a receiver's outage failed together do not all come back at the same moment.
 */
export function retryDelay(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const base = Math.min(policy.retryMaxDelayMs, policy.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + 0.1 * random()));
}

/**
 * When the next attempt goes (ms since the epoch), or null when it would fall past the
 * delivery's retry window (`retryForMs` from its creation): then it has failed for good.
 */
export function nextAttemptAt(
  created: string,
  attempt: number,
  now: number,
  policy: RetryPolicy,
): number | null {
  const at = now + retryDelay(attempt, policy);
  return at <= Date.parse(created) + policy.retryForMs ? at : null;
}
