/**
 * Coalesces refetches per key: a burst of events for one job becomes one fetch, and events that
 * come while it runs one more fetch after it (never two at once for a key). At most `maxRunning`
 * fetches run at once, so that a bulk stop's thousand events do not meet the rate limit at once.
 */
export interface Coalescer {
  poke(key: string): void;
  /** Nothing more is started; results of fetches under way are dropped by the caller's guard. */
  stop(): void;
}

export interface CoalescerOptions {
  delayMs?: number;
  maxRunning?: number;
  schedule?: (fn: () => void, ms: number) => unknown;
}

export function createCoalescer(
  run: (key: string) => Promise<void>,
  { delayMs = 50, maxRunning = 4, schedule = setTimeout }: CoalescerOptions = {},
): Coalescer {
  const scheduled = new Set<string>();
  const ready = new Set<string>();
  const running = new Set<string>();
  const again = new Set<string>();
  let stopped = false;

  const pump = () => {
    for (const key of ready) {
      if (stopped || running.size >= maxRunning) return;
      ready.delete(key);
      running.add(key);
      run(key)
        .catch(() => {})
        .finally(() => {
          running.delete(key);
          if (again.delete(key)) poke(key);
          pump();
        });
    }
  };

  function poke(key: string): void {
    if (stopped) return;
    if (running.has(key)) {
      again.add(key);
      return;
    }
    if (scheduled.has(key) || ready.has(key)) return;
    scheduled.add(key);
    schedule(() => {
      scheduled.delete(key);
      if (stopped) return;
      ready.add(key);
      pump();
    }, delayMs);
  }

  return {
    poke,
    stop: () => {
      stopped = true;
    },
  };
}
