export interface Lease {
  name: string;
  holder: string | null;
  epoch: number;
  expiresAt: string | null;
  heldHere: boolean;
}

export interface PollCycle {
  at: string;
  watchedJobs: number;
  commands: number;
  durationMs: number;
  error: string | null;
}

/** `GET /readyz`, with the fields coordination adds (absent from a gateway without it). */
export interface ReplicaReadiness {
  status: 'ready' | 'not_ready';
  replica?: { id: string; coordination: 'process' | 'postgres' };
  leases?: Lease[];
  systems: Record<string, { reachable: boolean; lastPollCycle: PollCycle | null }>;
}

/** The lease of that name as one replica's /readyz shows it, if it shows it. */
export function leaseOf(readiness: ReplicaReadiness, name: string): Lease | undefined {
  return readiness.leases?.find((l) => l.name === name);
}

/**
 * One sample's value from Prometheus' text format: `name{a="x",…} value`, the labels given
 * matching exactly (others may be there). Undefined when no line matches.
 */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [
        l[1],
        l[2],
      ]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}
