/** Where a command writes: stdout for results, stderr for everything said to a person. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Prints rows as an aligned table, or the value as JSON when `json` is set. */
export function printTable(
  io: Io,
  rows: Record<string, unknown>[],
  json: boolean,
  value: unknown,
): void {
  if (json) {
    io.stdout(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    io.stdout('(none)\n');
    return;
  }
  const columns = Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  io.stdout(`${line(columns.map((c) => c.toUpperCase()))}\n`);
  for (const r of rows) io.stdout(`${line(columns.map((c) => cell(r[c])))}\n`);
}
