/**
 * What replicas tell each other. A message is a wake-up or a request, never the truth: the store
 * is. A replica that misses messages (its listening connection dropped) hears `resync` and reads
 * again what it follows.
 */
export type BusMessage =
  /** These jobs changed (history written): streams and waiters elsewhere read them again. */
  | { type: 'jobs'; ids: string[] }
  /** Whoever polls `system`: poll soon (trigger), very often for a while (hurry), or now (refresh). */
  | {
      type: 'poll';
      system: string;
      kind: 'trigger' | 'hurry' | 'refresh';
      request?: string;
      /** The jobs to look at closely (hurry) or at least (refresh); the whole system without. */
      jobs?: string[];
    }
  /** The poll asked for by `request` is done. */
  | { type: 'polled'; request: string }
  /** A web session ended: its streams end on every replica. */
  | { type: 'session-ended'; session: string };

export interface ReplicaBus {
  /** Sends to every other replica (never back to this one). */
  publish(message: BusMessage): void;
  /** Calls `listener` with every message from another replica; returns what stops it. */
  subscribe(listener: (message: BusMessage) => void): () => void;
  /** Calls `listener` after messages may have been missed; returns what stops it. */
  onResync(listener: () => void): () => void;
}

/** One process: nobody else to tell. */
export const NO_BUS: ReplicaBus = {
  publish: () => {},
  subscribe: () => () => {},
  onResync: () => () => {},
};
