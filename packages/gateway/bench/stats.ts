import { join } from 'node:path';

/** Small helpers for benchmarks: medians and timing of async calls. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

export function row(label: string, samples: number[], baseline?: number): string {
  const m = median(samples);
  const ratio = baseline ? `  ×${(m / baseline).toFixed(2)} of baseline` : '  (baseline)';
  return `${label.padEnd(58)} median ${m.toFixed(1).padStart(7)} ms  n=${samples.length}${ratio}`;
}

/**
 * How the OpenSSH CLI reaches the cluster as one of its Unix accounts: that account's key from
 * the users' keys dir, and the host keys checked against the sandbox's known_hosts.
 */
export function clusterFromEnv(account: string) {
  const { HPCGATE_SSH_HOST, HPCGATE_SSH_PORT, HPCGATE_SSH_USER_KEYS, HPCGATE_SSH_KNOWN_HOSTS } =
    process.env;
  if (!HPCGATE_SSH_HOST || !HPCGATE_SSH_USER_KEYS || !HPCGATE_SSH_KNOWN_HOSTS) {
    throw new Error(
      'set HPCGATE_SSH_HOST/USER_KEYS/KNOWN_HOSTS: set -a; . <(bash scripts/sandbox.sh env); set +a',
    );
  }
  return {
    host: HPCGATE_SSH_HOST,
    port: Number(HPCGATE_SSH_PORT ?? 22),
    user: account,
    privateKeyPath: join(HPCGATE_SSH_USER_KEYS, account),
    knownHostsFile: HPCGATE_SSH_KNOWN_HOSTS,
  };
}
