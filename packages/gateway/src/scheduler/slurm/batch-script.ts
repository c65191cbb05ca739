import { randomBytes } from 'node:crypto';
import type { BatchJobSpec } from '../scheduler.js';
import { commandLine, shellQuote } from './quote.js';

/**
 * The batch script the gateway hands to sbatch. The user's script runs as a child in its own
 * process group, so that a force-stop (SIGUSR2 to this wrapper) kills every process it started
 * at once, and an interrupt (SIGINT) reaches them all while the job goes on. The user's script is
 * carried verbatim in a quoted here-document (nothing in it is expanded), its arguments and
 * environment are quoted, and its `#SBATCH` lines are copied into the header so Slurm honours them.
 */
export function batchScript(spec: BatchJobSpec): string {
  const body = spec.script ?? `#!/bin/bash\n${spec.command}\n`;
  const delimiter = hereDocDelimiter(body);
  const directives = sbatchDirectives(body);
  const exports = Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return [
    '#!/bin/bash',
    ...directives,
    `# hpcgate job ${spec.gatewayJobId}: wrapper written by the gateway.`,
    ...exports,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, run on the cluster
    'hpcgate_script=$(mktemp "${TMPDIR:-/tmp}/hpcgate-job.XXXXXXXX") || exit 70',
    'trap \'rm -f "$hpcgate_script"\' EXIT',
    `cat > "$hpcgate_script" <<'${delimiter}'`,
    body.endsWith('\n') ? body.slice(0, -1) : body,
    delimiter,
    'chmod 700 "$hpcgate_script"',
    // set -m gives the child its own process group, whose id is its pid.
    'set -m',
    `"$hpcgate_script" ${commandLine(spec.args)} &`,
    'hpcgate_child=$!',
    'set +m',
    "trap 'kill -INT -- -$hpcgate_child 2>/dev/null' INT",
    "trap 'kill -TERM -- -$hpcgate_child 2>/dev/null' TERM",
    "trap 'kill -KILL -- -$hpcgate_child 2>/dev/null; exit 137' USR2",
    // wait returns early when a trapped signal arrives: wait again until the child is gone.
    'while :; do',
    '  wait "$hpcgate_child"; hpcgate_rc=$?',
    '  kill -0 "$hpcgate_child" 2>/dev/null || break',
    'done',
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
  for (const line of body.split('\n').slice(1)) {
    const t = line.trim();
    if (t.startsWith('#SBATCH')) out.push(t);
    else if (t === '' || t.startsWith('#')) continue;
    else break;
  }
  return out;
}
