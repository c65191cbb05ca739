import type { OutputEntry } from '@hpcgate/contract';
import type { PhaseEvent } from '../job-files.js';

/** Parsers of the file commands' output (file-commands.ts): pure, tested on captured output. */

const TYPES: Record<string, OutputEntry['type']> = { f: 'file', d: 'dir', l: 'symlink' };

/** find's `%T@` (seconds, with a fraction) as an ISO time. */
function isoFromEpoch(text: string): string {
  const seconds = Number(text);
  return Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)).toISOString() : '';
}

/**
 * `name \t type \t size \t mtime` records, NUL-ended, as listCommand prints them. The name comes
 * first and may hold tabs: the three other fields are taken from the end.
 */
export function parseListing(
  stdout: string,
  dir: string,
  limit: number,
): { entries: OutputEntry[]; more: boolean } {
  const records = stdout.split('\0').filter((r) => r.length > 0);
  const entries: OutputEntry[] = [];
  for (const record of records.slice(0, limit)) {
    const fields = record.split('\t');
    if (fields.length < 4) continue;
    const mtime = fields.pop() as string;
    const size = fields.pop() as string;
    const type = fields.pop() as string;
    const name = fields.join('\t');
    entries.push({
      name,
      path: dir === '' ? name : `${dir}/${name}`,
      type: TYPES[type] ?? 'other',
      size: Number(size) || 0,
      modified: isoFromEpoch(mtime),
    });
  }
  return { entries, more: records.length > limit };
}

/** statCommand's one line, `type \t size \t mtime`, for the entry at `path`. */
export function parseStat(stdout: string, path: string): OutputEntry | null {
  const [type, size, mtime] = stdout.trim().split('\t');
  if (type === undefined || size === undefined || mtime === undefined) return null;
  const name = path.split('/').at(-1) ?? '';
  return {
    name,
    path,
    type: TYPES[type] ?? 'other',
    size: Number(size) || 0,
    modified: isoFromEpoch(mtime),
  };
}

/** The phases record, one `<n>\t<start|end|skip>\t<epoch>\t<exit status>` line per step. */
export function parsePhaseEvents(text: string): PhaseEvent[] {
  const events: PhaseEvent[] = [];
  for (const line of text.split('\n')) {
    const [n, kind, at, rc] = line.split('\t');
    if (!n || !/^\d+$/.test(n) || (kind !== 'start' && kind !== 'end' && kind !== 'skip')) continue;
    const seconds = Number(at);
    events.push({
      phase: Number(n),
      kind,
      at: Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : '',
      exitCode: kind === 'end' && rc && /^\d+$/.test(rc) ? Number(rc) : null,
    });
  }
  return events;
}
