import { once } from 'node:events';
import { isatty } from 'node:tty';

/** Where a command writes: stdout for results, stderr for everything said to a person. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /**
   * Bytes for stdout exactly as they are (a downloaded file), resolving once more may be written
   * (backpressure). Without it, `writeBytes` hands them to `stdout` one character per byte.
   */
  stdoutBytes?: (chunk: Uint8Array) => Promise<void>;
  /** stdout is a terminal: a live view may redraw it in place. */
  stdoutIsTTY?: boolean;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutBytes: async (chunk) => {
    if (!process.stdout.write(chunk)) await once(process.stdout, 'drain');
  },
  stdoutIsTTY: isatty(1),
};

/**
 * Raw bytes on stdout, never decoded: through `stdoutBytes`, else as latin1 text (one character
 * per byte, which maps back to the same bytes; what a test's text-only Io gets).
 */
export async function writeBytes(io: Io, chunk: Uint8Array): Promise<void> {
  if (io.stdoutBytes) await io.stdoutBytes(chunk);
  else io.stdout(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1'));
}

export type Row = Record<string, unknown>;

// Job names, Slurm's reasons and messages reach a terminal: no escape sequences get through.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  const text = Array.isArray(value) ? value.join(',') || '-' : String(value);
  return text.replace(CONTROL, '?');
}

/** `remoteJobId` → `REMOTE_JOB_ID`. */
function header(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Rows as an aligned table with a header line; `(none)` for no rows. */
export function formatTable(rows: Row[]): string {
  if (rows.length === 0) return '(none)\n';
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) =>
    Math.max(header(c).length, ...cells.map((r) => r[i]!.length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map(header)), ...cells.map(line)].map((l) => `${l}\n`).join('');
}

/** `key: value` lines, aligned; undefined values are left out. */
export function formatKeyValue(fields: Row): string {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...entries.map(([k]) => k.length + 1));
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width)}  ${cell(v)}\n`).join('');
}

export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as an aligned table, or the value as JSON when `json` is set. */
export function printTable(io: Io, rows: Row[], json: boolean, value: unknown): void {
  if (json) printJson(io, value);
  else io.stdout(formatTable(rows));
}

/** Prints fields as `key: value` lines, or the value as JSON when `json` is set. */
export function printKeyValue(io: Io, fields: Row, json: boolean, value: unknown): void {
  if (json) printJson(io, value);
  else io.stdout(formatKeyValue(fields));
}

const SPINNER = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';

/**
 * A one-line spinner on stderr, redrawn in place, for a person watching a terminal; nothing at
 * all otherwise, so logs and pipes stay clean. `stop()` clears the line.
 */
export function startProgress(
  io: Io,
  isTTY: boolean,
  label: () => string,
  now: () => number = Date.now,
): { stop: () => void } {
  if (!isTTY) return { stop: () => {} };
  const started = now();
  let frame = 0;
  const draw = () => {
    const seconds = Math.floor((now() - started) / 1000);
    io.stderr(`\r${SPINNER[frame++ % SPINNER.length]} ${cell(label())} (${seconds} s)\u001b[K`);
  };
  draw();
  const timer = setInterval(draw, 100);
  // Never what keeps the process alive.
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      io.stderr('\r\u001b[K');
    },
  };
}

/**
 * Replaces what a live view showed on the terminal with `text`: the cursor goes home and the
 * screen is cleared below it, as watch(1) does, which stays right however lines wrapped.
 */
export function redrawScreen(io: Io, text: string): void {
  io.stdout(`\u001b[H\u001b[J${text}`);
}

/** `1.5 MiB`, `512 B`: sizes for a person. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const BAR_WIDTH = 24;

/** `[=========>         ] 45% 1.2 MiB / 2.6 MiB`, or `1.2 MiB` when the total is unknown. */
export function formatProgressBar(received: number, total: number | null): string {
  if (total === null || total <= 0) return formatBytes(received);
  const share = Math.min(1, received / total);
  const filled = Math.round(share * BAR_WIDTH);
  const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (share < 1 ? '>' : '=') : '');
  return `[${bar.padEnd(BAR_WIDTH)}] ${Math.floor(share * 100)}% ${formatBytes(received)} / ${formatBytes(total)}`;
}
