import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import type { Lease, LeaseFence, LeaseState } from '../leases.js';

/** Milliseconds as a PostgreSQL interval parameter. */
const ms = (n: number) => `${n} milliseconds`;

interface Holding {
  epoch: number;
  /** performance.now() past which this replica no longer counts itself the holder. */
  validUntil: number;
}

class KeptLease implements Lease {
  holding: Holding | null = null;
  private readonly listeners = new Set<(held: boolean) => void>();
  private lossTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    private readonly holder: string,
  ) {}

  held(): boolean {
    return this.holding !== null && performance.now() < this.holding.validUntil;
  }

  fence(): LeaseFence | undefined {
    return this.holding && this.held()
      ? { name: this.name, holder: this.holder, epoch: this.holding.epoch }
      : undefined;
  }

  onChange(listener: (held: boolean) => void): () => void {
    this.listeners.add(listener);
    if (this.held()) listener(true);
    return () => this.listeners.delete(listener);
  }

  /** Held (again) until `validUntil`; listeners hear of a gain, and of the loss if not renewed. */
  keep(epoch: number, validUntil: number): void {
    const gained = !this.held() || this.holding?.epoch !== epoch;
    this.holding = { epoch, validUntil };
    clearTimeout(this.lossTimer);
    this.lossTimer = setTimeout(() => this.lose(), Math.max(0, validUntil - performance.now()));
    this.lossTimer.unref();
    if (gained) this.tell(true);
  }

  lose(): void {
    clearTimeout(this.lossTimer);
    if (this.holding === null) return;
    this.holding = null;
    this.tell(false);
  }

  private tell(held: boolean): void {
    for (const l of this.listeners) l(held);
  }
}

export interface LeaseKeeperOptions {
  replicaId: string;
  /** A lease not renewed for this long may be taken by another replica. */
  ttlMs: number;
}

/**
 * Keeps this replica's heartbeat and its leases, on one timer: every `ttlMs / 5` it beats,
 * renews what it holds and tries to take what nobody holds. A holder counts itself the holder
 * until `ttlMs * 4/5` after the renewal *began* — before the database lets anyone else take the
 * lease (the expiry the database sets runs from later, on its own clock) — so a replica that
 * cannot renew stops acting as holder before another one starts (fencing by time), and every
 * write it makes as holder carries the epoch (fencing by the store). Each takeover raises the
 * epoch.
 */
export class LeaseKeeper {
  private readonly leases = new Map<string, KeptLease>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: LeaseKeeperOptions,
    private readonly log: FastifyBaseLogger,
  ) {}

  get tickMs(): number {
    return Math.max(100, Math.floor(this.opts.ttlMs / 5));
  }

  lease(name: string): Lease {
    let lease = this.leases.get(name);
    if (!lease) {
      lease = new KeptLease(name, this.opts.replicaId);
      this.leases.set(name, lease);
      // Asked for after start: try for it now rather than at the next tick.
      if (this.running) this.schedule(0);
    }
    return lease;
  }

  async start(): Promise<void> {
    await this.pool.query(
      `INSERT INTO replicas (id, started, heartbeat) VALUES ($1, now(), now())
       ON CONFLICT (id) DO UPDATE SET started = now(), heartbeat = now()`,
      [this.opts.replicaId],
    );
    this.running = true;
    await this.tick();
  }

  /** Gives the leases up (another replica takes each at its next tick) and leaves the table. */
  async close(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.ticking;
    for (const lease of this.leases.values()) lease.lose();
    // Expired, not deleted: the row keeps its epoch, so no later holding ever reuses one.
    await this.pool
      .query('UPDATE leases SET expires_at = now() WHERE holder = $1', [this.opts.replicaId])
      .catch(() => {});
    await this.pool
      .query('DELETE FROM replicas WHERE id = $1', [this.opts.replicaId])
      .catch(() => {});
  }

  async states(): Promise<LeaseState[]> {
    const { rows } = await this.pool.query<{
      name: string;
      holder: string;
      epoch: string;
      expires_at: string;
    }>('SELECT name, holder, epoch, expires_at FROM leases WHERE name = ANY($1::text[])', [
      [...this.leases.keys()],
    ]);
    const byName = new Map(rows.map((r) => [r.name, r]));
    return [...this.leases.values()].map((lease) => {
      const row = byName.get(lease.name);
      return {
        name: lease.name,
        holder: row?.holder ?? null,
        epoch: row ? Number(row.epoch) : 0,
        expiresAt: row?.expires_at ?? null,
        heldHere: lease.held(),
      };
    });
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const began = performance.now();
    const validUntil = began + this.opts.ttlMs - this.tickMs;
    try {
      await this.pool.query('UPDATE replicas SET heartbeat = now() WHERE id = $1', [
        this.opts.replicaId,
      ]);
      for (const lease of this.leases.values()) await this.keep(lease, validUntil);
    } catch (err) {
      // The database did not answer: what is held stays held until its time runs out, no longer.
      this.log.warn({ err: (err as Error).message }, 'lease renewal failed');
    }
    if (this.running) this.schedule(Math.max(0, this.tickMs - (performance.now() - began)));
  }

  private async keep(lease: KeptLease, validUntil: number): Promise<void> {
    const ttl = ms(this.opts.ttlMs);
    const mine = lease.holding;
    if (mine) {
      const renewed = await this.pool.query(
        `UPDATE leases SET expires_at = now() + $4::interval
         WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()`,
        [lease.name, this.opts.replicaId, mine.epoch, ttl],
      );
      if (renewed.rowCount === 1) {
        lease.keep(mine.epoch, validUntil);
        return;
      }
      this.log.warn({ lease: lease.name, epoch: mine.epoch }, 'lease lost');
      lease.lose();
    }
    // Free, expired, or left by an earlier process of this replica's name: taken, epoch raised.
    const taken = await this.pool.query<{ epoch: string }>(
      `INSERT INTO leases (name, holder, epoch, expires_at) VALUES ($1, $2, 1, now() + $3::interval)
       ON CONFLICT (name) DO UPDATE
         SET holder = EXCLUDED.holder, epoch = leases.epoch + 1, expires_at = EXCLUDED.expires_at
         WHERE leases.expires_at <= now() OR leases.holder = EXCLUDED.holder
       RETURNING epoch`,
      [lease.name, this.opts.replicaId, ttl],
    );
    const row = taken.rows[0];
    if (!row) return;
    this.log.info({ lease: lease.name, epoch: Number(row.epoch) }, 'lease acquired');
    lease.keep(Number(row.epoch), validUntil);
  }
}
