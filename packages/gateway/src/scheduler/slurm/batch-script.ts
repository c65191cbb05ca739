import { randomBytes } from 'node:crypto';
import type { BatchJobSpec } from '../scheduler.js';
import { commandLine, shellQuote } from './quote.js';

/**
 * The batch script the gateway hands to sbatch: a wrapper around the user's script.
 *
 * - The user's script is carried verbatim in a quoted here-document (nothing in it is expanded)
 *   and runs as a child in its own process group, with its arguments and environment quoted.
 *   Its leading `#SBATCH` lines are copied into the wrapper's header, where sbatch reads them.
 * - cancel: Slurm sends SIGTERM to every process of the job itself; the wrapper only stays alive
 *   so that Slurm can still find (and SIGKILL after KillWait) whatever ignores it.
 * - interrupt: `scancel --full --signal=INT` reaches the wrapper and every step (srun), not the
 *   user's process group: the wrapper passes SIGINT on to that group and keeps waiting.
 * - force-stop: SIGUSR2 to the wrapper alone (`scancel --batch`): it SIGKILLs the user's process
 *   group, then every process carrying this job's SLURM_JOB_ID (those that left the group), then
 *   itself. Measured here: every process gone within ~50 ms, even those that ignore SIGTERM.
 */
export function batchScript(spec: BatchJobSpec): string {
  const body = spec.script ?? `#!/bin/bash\n${spec.command}\n`;
  const delimiter = hereDocDelimiter(body);
  const exports = Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return [
    '#!/bin/bash',
    ...sbatchDirectives(body),
    `# hpcgate job ${spec.gatewayJobId}: wrapper written by the gateway around the user's script.`,
    ...exports,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, run on the cluster
    'hpcgate_script=$(mktemp "${TMPDIR:-/tmp}/hpcgate-$SLURM_JOB_ID.XXXXXX") || exit 70',
    `cat > "$hpcgate_script" <<'${delimiter}'`,
    body.endsWith('\n') ? body.slice(0, -1) : body,
    delimiter,
    'chmod 700 "$hpcgate_script"',
    'hpcgate_sweep() {',
    '  local f p',
    '  for f in $(grep -lzx "SLURM_JOB_ID=$SLURM_JOB_ID" /proc/[0-9]*/environ 2>/dev/null); do',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, run on the cluster
    '    p=${f#/proc/}; p=${p%/environ}',
    '    [ "$p" = "$$" ] || kill -KILL "$p" 2>/dev/null',
    '  done',
    '}',
    'hpcgate_force_stop() {',
    "  trap '' INT TERM USR2",
    '  kill -KILL -- -"$hpcgate_child" 2>/dev/null',
    '  hpcgate_sweep; hpcgate_sweep',
    '  rm -f "$hpcgate_script"',
    '  kill -KILL $$',
    '}',
    "trap 'hpcgate_force_stop' USR2",
    'trap \'hpcgate_again=1; kill -INT -- -"$hpcgate_child" 2>/dev/null\' INT',
    "trap 'hpcgate_again=1' TERM",
    'set -m',
    `"$hpcgate_script" ${commandLine(spec.args)} &`,
    'hpcgate_child=$!',
    'set +m',
    // wait returns early when a trapped signal arrives: wait again until the script is done.
    'while :; do',
    '  hpcgate_again=',
    '  wait "$hpcgate_child"; hpcgate_rc=$?',
    '  [ -z "$hpcgate_again" ] && break',
    'done',
    'rm -f "$hpcgate_script"',
    'exit "$hpcgate_rc"',
    '',
  ].join('\n');
}

/** A delimiter line that does not occur in the body. */
function hereDocDelimiter(body: string): string {
  for (;;) {
    const d = `HPCGATE_SCRIPT_${randomBytes(8).toString('hex')}`;
    if (!body.includes(d)) return d;
  }
}

/** The leading `#SBATCH` lines of a script (sbatch stops reading them at the first command). */
export function sbatchDirectives(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    const t = line.trim();
    if (t.startsWith('#SBATCH')) out.push(t);
    else if (t === '' || t.startsWith('#')) continue;
    else break;
  }
  return out;
}

/** Options the gateway sets itself or must track: a script may not change them. */
const OWNED_OPTIONS = new Map<string, string>([
  ['-a', 'array'],
  ['--array', 'array'],
  ['-M', 'clusters'],
  ['--clusters', 'clusters'],
  ['--cluster', 'clusters'],
  ['--comment', 'comment'],
  ['--wrap', 'wrap'],
  ['--parsable', 'parsable'],
  ['--test-only', 'test-only'],
  ['-W', 'wait'],
  ['--wait', 'wait'],
]);

/**
 * Refuses `#SBATCH` lines that would make Slurm run something other than the one job the gateway
 * tracks (arrays, other clusters, another comment tag), or a partition the system does not offer.
 * Returns the problem, or null.
 */
export function checkDirectives(
  directives: string[],
  allowedPartitions: readonly string[],
): string | null {
  for (const line of directives) {
    for (const word of line
      .replace(/^#SBATCH\s*/, '')
      .split(/\s+/)
      .filter(Boolean)) {
      const [flag, inlineValue] = word.startsWith('--')
        ? word.split('=', 2)
        : [word.slice(0, 2), word.slice(2)];
      const owned = OWNED_OPTIONS.get(flag!);
      if (owned) return `"${line}": the gateway does not allow #SBATCH --${owned}`;
      if (flag === '-p' || flag === '--partition') {
        const value = inlineValue || line.split(/\s+/)[line.split(/\s+/).indexOf(word) + 1] || '';
        const partitions = value.split(',');
        if (
          allowedPartitions.length > 0 &&
          !partitions.every((p) => allowedPartitions.includes(p))
        ) {
          return `"${line}": partition "${value}" is not offered (offered: ${allowedPartitions.join(', ')})`;
        }
      }
    }
  }
  return null;
}
