/** What the queue holds: a delivery, known by its id and its subscription's. */
export interface QueueItem {
  id: string;
  subscriptionId: string;
}

/**
 * Runs one attempt of `item`; resolves to when the next attempt is due (ms since the epoch), or
 * null when the item is done (delivered, failed for good, or gone). Never rejects.
 */
export type AttemptRunner<T> = (item: T, signal: AbortSignal) => Promise<number | null>;

/**
 * The deliveries the gateway holds in memory, each until it is done: due ones run in arrival
 * order, at most `concurrency` at once; the others wait on a timer for their retry. Its size is
 * what the feeder bounds (it reads no more events while the queue is full); `onRelease` tells it
 * when room is made.
 */
export class DeliveryQueue<T extends QueueItem> {
  private readonly held = new Map<string, T>();
  private readonly perSubscription = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private ready: T[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly run: AttemptRunner<T>,
    private readonly concurrency: number,
    private readonly onRelease: () => void = () => {},
  ) {}

  /** Deliveries held (due, running or waiting for a retry). */
  get size(): number {
    return this.held.size;
  }

  /** How many of one subscription's deliveries are held. */
  heldFor(subscriptionId: string): number {
    return this.perSubscription.get(subscriptionId) ?? 0;
  }

  /** Takes a delivery, to be attempted at `dueAt` (ms since the epoch; now or past: at once). */
  add(item: T, dueAt: number): void {
    if (this.closed || this.held.has(item.id)) return;
    this.held.set(item.id, item);
    this.perSubscription.set(item.subscriptionId, this.heldFor(item.subscriptionId) + 1);
    this.schedule(item, dueAt);
  }

  /** Drops every delivery of a deleted subscription (an attempt under way finishes alone). */
  forget(subscriptionId: string): void {
    for (const item of [...this.held.values()]) {
      if (item.subscriptionId !== subscriptionId) continue;
      clearTimeout(this.timers.get(item.id));
      this.timers.delete(item.id);
      this.release(item);
    }
    this.ready = this.ready.filter((i) => i.subscriptionId !== subscriptionId);
  }

  /** Stops: no new attempt starts, those under way are aborted and waited for. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.ready = [];
    this.abort.abort();
    await Promise.all([...this.running]);
  }

  private schedule(item: T, dueAt: number): void {
    const wait = dueAt - Date.now();
    if (wait <= 0) {
      this.ready.push(item);
      this.pump();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(item.id);
      this.ready.push(item);
      this.pump();
    }, wait);
    // Pending retries never keep the process alive (they are in the store for the next start).
    timer.unref();
    this.timers.set(item.id, timer);
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.ready.length > 0) {
      const item = this.ready.shift()!;
      if (!this.held.has(item.id)) continue;
      const attempt = this.attempt(item).finally(() => {
        this.running.delete(attempt);
        this.pump();
      });
      this.running.add(attempt);
    }
  }

  private async attempt(item: T): Promise<void> {
    const next = await this.run(item, this.abort.signal);
    if (this.closed || !this.held.has(item.id)) return;
    if (next === null) this.release(item);
    else this.schedule(item, next);
  }

  private release(item: T): void {
    if (!this.held.delete(item.id)) return;
    const n = this.heldFor(item.subscriptionId) - 1;
    if (n > 0) this.perSubscription.set(item.subscriptionId, n);
    else this.perSubscription.delete(item.subscriptionId);
    this.onRelease();
  }
}
