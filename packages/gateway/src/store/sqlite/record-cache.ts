/** The texts a record is built from: a row as SQLite answered it (null for a NULL column). */
export type RowTexts = readonly (string | null)[];

interface Entry<V> {
  texts: RowTexts;
  value: V;
  /** The texts' length. */
  bytes: number;
  /** The database's version when the row last had these texts (null: not known). */
  checkedAt: number | null;
}

/**
 * Records already built, by id, each with the row texts it was built from: a read whose row
 * answers the very same texts gets the very same record, without parsing it again (and the
 * response serializer, seeing the same frozen object, sends the text it made of it before:
 * routes/serializer.ts). The row is the truth and is read every time; only what is a pure
 * function of its texts is kept, so no write, by any method or any process, can leave a stale
 * record here: a changed row is a miss. Records are deeply frozen, since every reader of the row
 * shares one. Bounded by the size of the texts kept; the least recently read goes first.
 *
 * And while the database has not changed at all (the store's version: any write of any row
 * changes it), a record checked at that version needs no reading: `fresh`.
 */
export class RecordCache<V extends object> {
  private readonly entries = new Map<string, Entry<V>>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /**
   * The record of `id` when it was checked at `version` (the database unchanged since), with the
   * length of its texts.
   */
  fresh(id: string, version: number): { readonly value: V; readonly bytes: number } | undefined {
    const entry = this.entries.get(id);
    if (entry === undefined || entry.checkedAt !== version) return undefined;
    this.touch(id, entry);
    return entry;
  }

  /**
   * The record of `texts`, read at `version` (null: unknown, as inside a transaction that may
   * still roll back), built by `build` (and kept) unless the last read of `id` had them.
   */
  of(id: string, texts: RowTexts, build: () => V, version: number | null): V {
    const entry = this.entries.get(id);
    if (entry && sameTexts(entry.texts, texts)) {
      entry.checkedAt = version;
      this.touch(id, entry);
      return entry.value;
    }
    const value = deepFreeze(build());
    if (entry) this.forget(id, entry);
    const bytes = texts.reduce((n, t) => n + (t?.length ?? 0), 0);
    if (bytes + id.length > this.maxBytes) return value;
    this.entries.set(id, { texts, value, bytes, checkedAt: version });
    this.bytes += bytes;
    for (const [oldest, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.forget(oldest, e);
    }
    return value;
  }

  /** Records held now (for tests). */
  get size(): number {
    return this.entries.size;
  }

  /** Most recently read last: a Map keeps insertion order. */
  private touch(id: string, entry: Entry<V>): void {
    this.entries.delete(id);
    this.entries.set(id, entry);
  }

  private forget(id: string, entry: Entry<V>): void {
    this.entries.delete(id);
    this.bytes -= entry.bytes;
  }
}

function sameTexts(a: RowTexts, b: RowTexts): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Freezes `value` and everything it holds (plain JSON data: objects and arrays). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
