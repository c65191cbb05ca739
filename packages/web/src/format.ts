const pad = (n: number) => String(n).padStart(2, '0');

/**
 * An ISO time as `YYYY-MM-DD HH:MM:SS` in the browser's zone ('' for none, the input as given
 * when it is not a time). `utc` for tests and for titles.
 */
export function formatTime(iso: string | null | undefined, utc = false): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const [y, mo, da, h, mi, s] = utc
    ? [
        d.getUTCFullYear(),
        d.getUTCMonth(),
        d.getUTCDate(),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
      ]
    : [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  return `${y}-${pad(mo + 1)}-${pad(da)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units: `0 B`, `1023 B`, `1.5 KiB`, `12 MiB` (one decimal below 10). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value < 10 ? value.toFixed(1) : String(Math.round(value));
  // 1023.9 KiB rounds to "1024 KiB": say 1.0 MiB instead.
  if (text === '1024' && unit < UNITS.length - 1) return `1.0 ${UNITS[unit + 1]}`;
  return `${text} ${UNITS[unit]}`;
}

/** "Showing 1 job", "Showing 120 jobs". */
export function showingCount(n: number): string {
  return `Showing ${n} ${n === 1 ? 'job' : 'jobs'}`;
}

/** Slurm's state with its reason: `PENDING (Resources)`. */
export function remoteStateText(state: string | null, reason: string | null): string {
  if (!state) return reason ?? '';
  return reason && reason !== 'None' ? `${state} (${reason})` : state;
}
