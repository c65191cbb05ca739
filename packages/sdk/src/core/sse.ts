/** One Server-Sent Event, as the WHATWG event-stream format defines it. */
export interface SseMessage {
  /** The `id:` field, when the event had one. */
  id?: string;
  /** `event:`; `message` when not given. */
  event: string;
  /** The `data:` lines, joined with `\n`. */
  data: string;
}

/**
 * An incremental `text/event-stream` parser: feed it text as it arrives, get whole events back.
 * Comments (`: heartbeat`) are dropped, `retry:` is kept in `retryMs`; lines may end in CRLF, LF
 * or CR, and a chunk may end anywhere (even between CR and LF).
 */
export class SseParser {
  /** The last `retry:` the server sent, in ms. */
  retryMs: number | undefined;
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private trailingCr = false;

  feed(text: string): SseMessage[] {
    const out: SseMessage[] = [];
    let chunk = text;
    if (this.trailingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    this.trailingCr = false;
    this.buffer += chunk;
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buffer);
      if (!m) break;
      // A CR at the very end may be the first half of a CRLF.
      if (m[0] === '\r' && m.index === this.buffer.length - 1) this.trailingCr = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      const data = this.data;
      const event = this.event || 'message';
      this.data = [];
      this.event = '';
      if (data.length === 0) return undefined;
      return { event, data: data.join('\n'), ...(this.id !== undefined ? { id: this.id } : {}) };
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\u0000')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}
