import type { LeaseFence } from '../store/fence.js';

export type { LeaseFence };

/** One named lease as this replica sees it. */
export interface Lease {
  readonly name: string;
  /**
   * Whether this replica holds it now, with time to spare: it stops answering true before the
   * database lets another replica take the lease over.
   */
  held(): boolean;
  /** The fence of the current holding; undefined in a single process (nothing to fence). */
  fence(): LeaseFence | undefined;
  /**
   * Calls `listener` whenever this replica gains or loses the lease (at once when it holds it
   * already); returns what stops it.
   */
  onChange(listener: (held: boolean) => void): () => void;
}

/** A lease as `/readyz` shows it. */
export interface LeaseState {
  name: string;
  holder: string | null;
  epoch: number;
  expiresAt: string | null;
  heldHere: boolean;
}

/** The name of the lease whose holder polls `systemId`. */
export const pollLeaseName = (systemId: string) => `poll:${systemId}`;
/** The name of the lease whose holder turns events into webhook deliveries and sends them. */
export const WEBHOOKS_LEASE = 'webhooks';
