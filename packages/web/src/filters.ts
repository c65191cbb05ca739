import type { Job, JobSelector, JobStatus } from '@hpcgate/contract';

/** The list's filter, as the form and the URL hold it. */
export interface ListFilter {
  status: JobStatus[];
  name: string;
  system: string;
  tags: string[];
  /** Admins only: '' is everyone (`owner=*`). */
  owner: string;
}

export const ALL_STATUSES: readonly JobStatus[] = [
  'PROCESSING_INPUTS',
  'PENDING',
  'RUNNING',
  'FINISHED',
  'FAILED',
  'CANCELLED',
];
export const ACTIVE_STATUSES: readonly JobStatus[] = ['PROCESSING_INPUTS', 'PENDING', 'RUNNING'];
export const ENDED_STATUSES: readonly JobStatus[] = ['FINISHED', 'FAILED', 'CANCELLED'];

export const EMPTY_FILTER: ListFilter = { status: [], name: '', system: '', tags: [], owner: '' };

const isStatus = (s: string): s is JobStatus => (ALL_STATUSES as readonly string[]).includes(s);

const csv = (v: string | null): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The page's query (`?status=RUNNING,PENDING&name=exp-*&system=…&tags=a,b&owner=…`). */
export function filterFromSearch(search: string): ListFilter {
  const q = new URLSearchParams(search);
  const status = [...new Set(csv(q.get('status')).filter(isStatus))];
  return {
    status: ALL_STATUSES.filter((s) => status.includes(s)),
    name: (q.get('name') ?? '').trim(),
    system: (q.get('system') ?? '').trim(),
    tags: [...new Set(csv(q.get('tags')))],
    owner: (q.get('owner') ?? '').trim(),
  };
}

/** Commas and `*` stay readable in the address bar; everything else is encoded. */
function queryString(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${k}=${encodeURIComponent(v).replaceAll('%2C', ',')}`).join('&');
}

/** The page's query for a filter ('' for none); `owner` only when admins may send it. */
export function filterToSearch(f: ListFilter, isAdmin: boolean): string {
  const pairs: [string, string][] = [];
  if (f.status.length) pairs.push(['status', f.status.join(',')]);
  if (f.name) pairs.push(['name', f.name]);
  if (f.system) pairs.push(['system', f.system]);
  if (f.tags.length) pairs.push(['tags', f.tags.join(',')]);
  if (isAdmin && f.owner) pairs.push(['owner', f.owner]);
  const q = queryString(pairs);
  return q ? `?${q}` : '';
}

/** Whose jobs an admin looks at; non-admins never send `owner` (the gateway answers 403). */
export function ownerParam(f: ListFilter, isAdmin: boolean): string | undefined {
  if (!isAdmin) return undefined;
  return f.owner || '*';
}

/** `GET /v3/jobs/list`'s query for one page. */
export function listQuery(
  f: ListFilter,
  isAdmin: boolean,
  limit: number,
  cursor?: string | null,
): string {
  const pairs: [string, string][] = [['limit', String(limit)]];
  if (f.status.length) pairs.push(['status', f.status.join(',')]);
  if (f.name) pairs.push(['name', f.name]);
  if (f.system) pairs.push(['execSystemId', f.system]);
  if (f.tags.length) pairs.push(['tags', f.tags.join(',')]);
  const owner = ownerParam(f, isAdmin);
  if (owner) pairs.push(['owner', owner]);
  if (cursor) pairs.push(['cursor', cursor]);
  return `?${queryString(pairs)}`;
}

/**
 * `GET /v3/jobs/events`'s query: name and tags narrow it as the list; status is left out on
 * purpose, so that a listed job's move to another status still reaches its row.
 */
export function eventsQuery(f: ListFilter, isAdmin: boolean): string {
  const pairs: [string, string][] = [];
  if (f.name) pairs.push(['name', f.name]);
  if (f.tags.length) pairs.push(['tags', f.tags.join(',')]);
  const owner = ownerParam(f, isAdmin);
  if (owner) pairs.push(['owner', owner]);
  const q = queryString(pairs);
  return q ? `?${q}` : '';
}

/** The gateway refuses a bulk stop without a criterion: owner alone is a scope, not one. */
export function hasCriteria(f: ListFilter): boolean {
  return f.status.length > 0 || f.name !== '' || f.system !== '' || f.tags.length > 0;
}

/** The bulk stop's selector for "Stop all matching…" (null when the filter names nothing). */
export function filterSelector(f: ListFilter, isAdmin: boolean): JobSelector | null {
  if (!hasCriteria(f)) return null;
  const selector: JobSelector = {};
  if (f.name) selector.names = [f.name];
  if (f.status.length) selector.status = [...f.status];
  if (f.system) selector.execSystemId = f.system;
  if (f.tags.length) selector.tags = [...f.tags];
  const owner = ownerParam(f, isAdmin);
  if (owner) selector.owner = owner;
  return selector;
}

/** The selector for given ids, scoped to the owner the list shows (admins). */
export function idsSelector(ids: string[], f: ListFilter, isAdmin: boolean): JobSelector {
  const owner = ownerParam(f, isAdmin);
  return owner ? { ids: [...ids], owner } : { ids: [...ids] };
}

/** `exp-*` as the gateway reads it: a whole-name match where only `*` is special. */
export function wildcardMatches(pattern: string, name: string): boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(name);
}

/** Whether a job belongs in the list as filtered (for jobs the live stream brings in). */
export function jobMatches(job: Job, f: ListFilter, isAdmin: boolean): boolean {
  if (job.hidden) return false;
  if (f.status.length && !f.status.includes(job.status)) return false;
  if (f.name && !wildcardMatches(f.name, job.name)) return false;
  if (f.system && job.execSystemId !== f.system) return false;
  if (f.tags.length && !f.tags.every((t) => job.tags.includes(t))) return false;
  const owner = ownerParam(f, isAdmin);
  if (owner && owner !== '*' && job.owner !== owner) return false;
  return true;
}

/** The Status select's choices: presets, each single status, and the URL's own mix if other. */
export type StatusChoice = { value: string; label: string; statuses: readonly JobStatus[] };

export const STATUS_PRESETS: readonly StatusChoice[] = [
  { value: '', label: 'Any', statuses: [] },
  { value: 'active', label: 'Active', statuses: ACTIVE_STATUSES },
  { value: 'ended', label: 'Ended', statuses: ENDED_STATUSES },
  ...ALL_STATUSES.map((s) => ({ value: s, label: s, statuses: [s] })),
];

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** The choices for a filter: the presets, plus one for a mix no preset names (`RUNNING,PENDING`). */
export function statusChoices(current: readonly JobStatus[]): StatusChoice[] {
  if (STATUS_PRESETS.some((c) => sameSet(c.statuses, current))) return [...STATUS_PRESETS];
  const ordered = ALL_STATUSES.filter((s) => current.includes(s));
  return [
    ...STATUS_PRESETS,
    { value: ordered.join(','), label: ordered.join(', '), statuses: ordered },
  ];
}

/** The select's value for a filter's statuses. */
export function statusValue(current: readonly JobStatus[]): string {
  const preset = STATUS_PRESETS.find((c) => sameSet(c.statuses, current));
  return preset ? preset.value : ALL_STATUSES.filter((s) => current.includes(s)).join(',');
}

/** The statuses a select value stands for. */
export function statusesOf(value: string): JobStatus[] {
  const preset = STATUS_PRESETS.find((c) => c.value === value);
  if (preset) return [...preset.statuses];
  return ALL_STATUSES.filter((s) => value.split(',').includes(s));
}

/** The form's tags field: comma-separated, blanks dropped. */
export function parseTags(text: string): string[] {
  return [...new Set(csv(text))];
}
