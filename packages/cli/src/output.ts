/** Where a command writes: stdout for results, stderr for everything said to a person. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

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
