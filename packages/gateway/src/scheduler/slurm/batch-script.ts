import { randomBytes } from 'node:crypto';
import type { BatchJobSpec } from '../scheduler.js';
import { parseDirectives, renderDirectives } from './directives.js';
import { commandLine, shellQuote } from './quote.js';

/**
 * The batch script the gateway hands to sbatch: a wrapper around the user's script.
 *
 * - The user's script is carried verbatim in a quoted here-document (nothing in it is expanded)
 *   and runs as a child in its own process group, with its arguments and environment quoted.
 *   Its leading `#SBATCH` lines, checked against the allow-list (directives.ts) and re-written,
 *   go into the wrapper's header, where sbatch reads them; `--ignore-pbs` comes first, so that
 *   sbatch does not translate `#PBS`/`#BSUB` lines from the here-document (it scans for those
 *   past the first command).
 * - args: the user's script (for a command job, a bash script whose body is the command) gets
 *   them as its positional parameters `$1 …`, each one quoted word. They are not spliced into
 *   the command's text: "appended to the command" of the contract is read as "given to it as
 *   arguments", the only reading that neither re-parses a value as shell code nor depends on how
 *   the command's last line ends (a comment, a `\`, a here-document would swallow or change
 *   words pasted after it). A command uses them as a script does: `"$@"`, `"$1"`.
 * - cancel: Slurm sends SIGTERM to every process of the job itself; the wrapper only stays alive
 *   so that Slurm can still find (and SIGKILL after KillWait) whatever ignores it.
 * - interrupt: `scancel --full --signal=INT` reaches the wrapper and every step (srun), not the
 *   user's process group: the wrapper passes SIGINT on to that group and keeps waiting.
 * - force-stop: SIGUSR2 to the wrapper alone (`scancel --batch`): it SIGKILLs the user's process
 *   group, then every process carrying this job's SLURM_JOB_ID (those that left the group), then
 *   itself. Measured here: every process gone within ~50 ms, even those that ignore SIGTERM.
 */
export function batchScript(spec: BatchJobSpec): string {
  const { body, lineOffset } = userScript(spec);
  const directives = renderDirectives(parseDirectives(body, lineOffset));
  const delimiter = hereDocDelimiter(body);
  const exports = Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  return [
    '#!/bin/bash',
    '#SBATCH --ignore-pbs',
    ...directives,
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

/**
 * The script the wrapper carries and reads directives from: the user's script, or a bash script
 * whose body is the command (its `#SBATCH` lines count as a script's would). `field` is where the
 * text came from, `lineOffset` the lines the gateway added before it (to number lines as the user
 * wrote them).
 */
export function userScript(spec: BatchJobSpec): {
  body: string;
  field: 'body.script' | 'body.command';
  lineOffset: number;
} {
  if (typeof spec.script === 'string')
    return { body: spec.script, field: 'body.script', lineOffset: 0 };
  return { body: `#!/bin/bash\n${spec.command ?? ''}\n`, field: 'body.command', lineOffset: 1 };
}
