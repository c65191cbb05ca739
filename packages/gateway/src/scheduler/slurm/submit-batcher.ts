/** What a batch's sender says of each of its items, in order. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatcherLimits {
  /** Batches of one key under way at once; the rest wait and are sent together. */
  inFlight: number;
  /** Items in one batch. */
  maxItems: number;
  /** Their total size (batcher's `size`); an item alone is sent even when bigger. */
  maxBytes: number;
}

interface Waiting<I, T> {
  item: I;
  bytes: number;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Groups what arrives for one key (an account) while that key's batches are under way: the first
 * items go out at once, one each, up to `inFlight`; what comes meanwhile waits and leaves as one
 * batch when a slot frees. No timer: an idle key sends at once, a busy one sends in bulk. Each
 * item waits at most for the batches ahead of it; the queue holds only items given to `add`
 * (one per job being submitted: the caller bounds them).
 */
export class Batcher<I, T> {
  private readonly keys = new Map<string, { queue: Waiting<I, T>[]; running: number }>();

  constructor(
    private readonly limits: BatcherLimits,
    private readonly size: (item: I) => number,
    private readonly send: (key: string, items: I[]) => Promise<Settled<T>[]>,
  ) {
    if (limits.inFlight < 1 || limits.maxItems < 1) throw new Error('batcher limits below 1');
  }

  /** The item's own outcome, once its batch is done. */
  add(key: string, item: I): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) {
        state = { queue: [], running: 0 };
        this.keys.set(key, state);
      }
      state.queue.push({ item, bytes: this.size(item), resolve, reject });
      this.pump(key);
    });
  }

  private pump(key: string): void {
    const state = this.keys.get(key);
    if (!state) return;
    while (state.running < this.limits.inFlight && state.queue.length > 0) {
      const batch = this.take(state.queue);
      state.running++;
      void this.run(key, batch).finally(() => {
        state.running--;
        if (state.running === 0 && state.queue.length === 0) this.keys.delete(key);
        else this.pump(key);
      });
    }
  }

  /** The oldest items that fit the bounds (the first always). */
  private take(queue: Waiting<I, T>[]): Waiting<I, T>[] {
    let bytes = queue[0]!.bytes;
    let n = 1;
    while (
      n < queue.length &&
      n < this.limits.maxItems &&
      bytes + queue[n]!.bytes <= this.limits.maxBytes
    ) {
      bytes += queue[n]!.bytes;
      n++;
    }
    return queue.splice(0, n);
  }

  private async run(key: string, batch: Waiting<I, T>[]): Promise<void> {
    let settled: Settled<T>[];
    try {
      settled = await this.send(
        key,
        batch.map((w) => w.item),
      );
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => {
      const s = settled[i];
      if (!s) w.reject(new Error('the batch gave no outcome for this item'));
      else if (s.ok) w.resolve(s.value);
      else w.reject(s.error);
    });
  }
}
