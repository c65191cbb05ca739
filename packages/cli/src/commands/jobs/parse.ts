import type { JobStatus } from '@hpcgate/sdk';
import { listValues, repeated } from '../../args.js';
import { usage } from '../../errors.js';
import { isJobStatus, JOB_STATUSES } from './states.js';

/** `--status running,pending` → `['RUNNING', 'PENDING']`. */
export function parseStatuses(values: string[] | undefined): JobStatus[] {
  return listValues(values).map((v) => {
    const s = v.toUpperCase();
    if (!isJobStatus(s)) throw usage(`unknown status "${v}": one of ${JOB_STATUSES.join(', ')}`);
    return s;
  });
}

/** `--env K=V` (repeatable) → `{ K: 'V' }`; the value may contain `=`. */
export function parseEnv(values: string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of repeated(values)) {
    const i = kv.indexOf('=');
    if (i < 1) throw usage(`--env takes NAME=VALUE, not "${kv}"`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

const MB_PER_UNIT: Record<string, number> = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024 };

/** `--mem 4096`, `4096M`, `4G` (Slurm's units) → megabytes. */
export function parseMemory(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT])?B?$/i.exec(value.trim());
  const mb = m ? Number(m[1]) * MB_PER_UNIT[(m[2] ?? 'M').toUpperCase()]! : Number.NaN;
  if (!(mb > 0)) {
    throw usage(`--mem takes megabytes or a size such as 512M or 4G, not "${value}"`);
  }
  return Math.ceil(mb);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Job ids read from stdin: whitespace-separated ids, the JSON `jobs list --json` prints
 * (`{ "jobs": [{ "id": … }] }`), or a JSON array of jobs or of ids.
 */
export function parseJobIds(text: string): string[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  let ids: unknown[];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch {
      throw usage('stdin is not valid JSON');
    }
    const items = Array.isArray(data) ? data : (data as { jobs?: unknown })?.jobs;
    if (!Array.isArray(items)) throw usage('expected { "jobs": [ … ] } or a JSON array on stdin');
    ids = items.map((j) => (typeof j === 'object' && j !== null ? (j as { id?: unknown }).id : j));
  } else {
    ids = trimmed.split(/\s+/);
  }
  for (const id of ids) {
    if (typeof id !== 'string' || !UUID.test(id)) {
      throw usage(`not a job id on stdin: ${JSON.stringify(id)?.slice(0, 60)}`);
    }
  }
  return ids as string[];
}
