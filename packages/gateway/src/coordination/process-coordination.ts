import type { Coordination } from './coordination.js';
import { InProcessJobLocks } from './job-locks.js';
import type { Lease, LeaseState } from './leases.js';
import { NO_BUS } from './replica-bus.js';

/** A lease nobody else can want: this process is the only gateway on its store. */
class SoleLease implements Lease {
  constructor(readonly name: string) {}
  held(): boolean {
    return true;
  }
  fence(): undefined {
    return undefined;
  }
  onChange(listener: (held: boolean) => void): () => void {
    // Held from the start: the listener hears so at once, as it would on acquiring.
    listener(true);
    return () => {};
  }
}

/** The embedded store's coordination: one gateway process, all of it in memory. */
export class ProcessCoordination implements Coordination {
  readonly mode = 'process' as const;
  readonly locks = new InProcessJobLocks();
  readonly requestClaims = null;
  readonly bus = NO_BUS;
  private readonly leases = new Map<string, SoleLease>();

  constructor(readonly replicaId: string) {}

  lease(name: string): Lease {
    let lease = this.leases.get(name);
    if (!lease) {
      lease = new SoleLease(name);
      this.leases.set(name, lease);
    }
    return lease;
  }

  async leaseStates(): Promise<LeaseState[]> {
    return [...this.leases.keys()].map((name) => ({
      name,
      holder: this.replicaId,
      epoch: 0,
      expiresAt: null,
      heldHere: true,
    }));
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}
