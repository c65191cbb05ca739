import type { LogChunk } from '@hpcgate/contract';

/** The most bytes one `log` event carries (several lines; one long line is cut at this). */
export const MAX_CHUNK_BYTES = 64 * 1024;

export type ChunkerOutput =
  | { kind: 'chunk'; chunk: LogChunk }
  /** `reason` when the caller said why; a gap the chunker found has none. */
  | { kind: 'skipped'; from: number; to: number; reason?: string };

/**
 * Turns a log's bytes, fed in order with their offsets, into `log` events of whole lines: bytes
 * already passed are dropped (a catch-up and the live reader overlap), a line is held until its
 * newline comes (or `flush()`), and a line longer than MAX_CHUNK_BYTES is sent in pieces. A gap
 * (bytes that will never come) is told as `skipped`. Offsets count bytes, whatever the text.
 */
export class LineChunker {
  /** The next byte expected: everything before it was sent or skipped, or is held. */
  private next: number;
  private held: Buffer = Buffer.alloc(0);

  constructor(
    start: number,
    private readonly emit: (out: ChunkerOutput) => void,
  ) {
    this.next = start;
  }

  /** Where a client resumes after what was sent so far (the held partial line is not sent). */
  get sentUpTo(): number {
    return this.next - this.held.length;
  }

  push(offset: number, bytes: Buffer): void {
    const end = offset + bytes.length;
    if (end <= this.next) return;
    if (offset > this.next) this.skip(offset);
    let data = bytes.subarray(Math.max(0, this.next - offset));
    if (this.held.length > 0) data = Buffer.concat([this.held, data]);
    const start = this.next - this.held.length;
    this.next = end;
    this.held = Buffer.alloc(0);
    let from = 0;
    while (data.length - from > 0) {
      const window = data.subarray(from, from + MAX_CHUNK_BYTES);
      const cut = window.lastIndexOf(0x0a);
      if (cut < 0 && window.length < MAX_CHUNK_BYTES) break;
      const length = cut < 0 ? window.length : cut + 1;
      this.send(start + from, data.subarray(from, from + length));
      from += length;
    }
    this.held = Buffer.from(data.subarray(from));
  }

  /** Bytes up to `to` will not come: what is held is sent, the rest told as skipped. */
  skip(to: number, reason?: string): void {
    if (to <= this.next) return;
    this.flush();
    this.emit({
      kind: 'skipped',
      from: this.next,
      to,
      ...(reason === undefined ? {} : { reason }),
    });
    this.next = to;
  }

  /** Sends the held partial line (the log ended, or a gap follows). */
  flush(): void {
    if (this.held.length === 0) return;
    const start = this.next - this.held.length;
    const held = this.held;
    this.held = Buffer.alloc(0);
    this.send(start, held);
  }

  private send(offset: number, bytes: Buffer): void {
    this.emit({
      kind: 'chunk',
      chunk: { offset, text: bytes.toString('utf8'), next: offset + bytes.length },
    });
  }
}
