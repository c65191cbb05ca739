/** The log tail's lines: only the last `max` are kept, a line without its newline yet stays open. */
export interface LogBuffer {
  lines: string[];
  /** The last line has no newline yet (the next chunk continues it). */
  open: boolean;
}

export const MAX_LOG_LINES = 2000;

export const EMPTY_LOG: LogBuffer = { lines: [], open: false };

export function appendLog(buf: LogBuffer, text: string, max = MAX_LOG_LINES): LogBuffer {
  if (text === '') return buf;
  const parts = text.split('\n');
  const endsWithNewline = parts[parts.length - 1] === '';
  if (endsWithNewline) parts.pop();
  const lines = buf.lines.slice();
  const last = lines.length - 1;
  if (buf.open && last >= 0 && parts.length > 0) lines[last] = `${lines[last]}${parts.shift()}`;
  lines.push(...parts);
  return {
    lines: lines.length > max ? lines.slice(lines.length - max) : lines,
    open: !endsWithNewline,
  };
}
