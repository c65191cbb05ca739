import { randomBytes } from 'node:crypto';
import type { BatchJobSpec } from '../scheduler.js';
import { announceFunction } from './announcements.js';
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
export function batchScript(
  spec: BatchJobSpec,
  jobDir = '"$PWD"',
  /** Where the announcements file is (announcements.ts); none without. */
  jobsRoot?: string,
): string {
  const { body, lineOffset } = userScript(spec);
  // An array's tasks do not announce: one job, thousands of starts; its tasks are polled.
  const announce = jobsRoot !== undefined && !spec.array;
  const directives = renderDirectives(parseDirectives(body, lineOffset));
  const exports = Object.entries(spec.env).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
  const bodies = spec.phases ? spec.phases.map((p) => phaseBody(p)) : [body];
  return [
    '#!/bin/bash',
    '#SBATCH --ignore-pbs',
    ...directives,
    `# hpcgate job ${spec.gatewayJobId}: wrapper written by the gateway around the user's script.`,
    ...exports,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, run on the cluster
    'hpcgate_script=$(mktemp "${TMPDIR:-/tmp}/hpcgate-$SLURM_JOB_ID.XXXXXX") || exit 70',
    ...bodies.flatMap((b, i) => {
      const delimiter = hereDocDelimiter(b);
      const file = spec.phases ? `"$hpcgate_script.${i + 1}"` : '"$hpcgate_script"';
      return [
        `cat > ${file} <<'${delimiter}'`,
        b.endsWith('\n') ? b.slice(0, -1) : b,
        delimiter,
        `chmod 700 ${file}`,
      ];
    }),
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
    '  rm -f "$hpcgate_script" "$hpcgate_script".*',
    '  kill -KILL $$',
    '}',
    "trap 'hpcgate_force_stop' USR2",
    'trap \'hpcgate_again=1; kill -INT -- -"$hpcgate_child" 2>/dev/null\' INT',
    "trap 'hpcgate_again=1' TERM",
    ...(announce ? announceFunction(jobsRoot, spec.gatewayJobId) : ['hpcgate_announce() { :; }']),
    'hpcgate_announce start',
    ...(spec.phases ? phaseLoop(spec, jobDir) : singleRun(spec)),
    '',
  ].join('\n');
}

/** One script: run it, wait for it (again after each trapped signal), exit with its status. */
function singleRun(spec: BatchJobSpec): string[] {
  return [
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
    'hpcgate_announce end',
    'rm -f "$hpcgate_script"',
    'exit "$hpcgate_rc"',
  ];
}

/** The exit status of a phased job drained with phases left: the adapter reads it as a drain. */
export const DRAINED_EXIT = 75;

/** Where the wrapper records each phase (`<n>\t<start|end|skip>\t<epoch>\t<exit code>`). */
export const PHASES_FILE = '.hpcgate-phases';

/**
 * A drain of a phased job: the gateway makes this file in the job directory, the wrapper looks
 * for it before each phase. A file, not a signal: Slurm delivers a batch-step signal to the
 * running phase's processes too, and a phase is to finish undisturbed.
 */
export const DRAIN_FILE = '.hpcgate-drain';

/**
 * Phases in order, each its own process group as a single script is. Each start, end (with its
 * exit status) and skip is appended to PHASES_FILE in the job directory. A failing phase skips
 * the rest; DRAIN_FILE (a drain) lets the running phase finish and skips the rest.
 */
function phaseLoop(spec: BatchJobSpec, jobDir: string): string[] {
  const n = spec.phases?.length ?? 0;
  return [
    `hpcgate_jd=${jobDir}`,
    `hpcgate_pf="$hpcgate_jd"/${PHASES_FILE}`,
    ': > "$hpcgate_pf"',
    'hpcgate_rc=0',
    `for hpcgate_n in ${Array.from({ length: n }, (_, i) => i + 1).join(' ')}; do`,
    `  if [ -e "$hpcgate_jd"/${DRAIN_FILE} ] || [ "$hpcgate_rc" -ne 0 ]; then`,
    `    printf '%s\\tskip\\t%s\\t\\n' "$hpcgate_n" "$(date +%s)" >> "$hpcgate_pf"; hpcgate_skipped=1; continue`,
    '  fi',
    `  printf '%s\\tstart\\t%s\\t\\n' "$hpcgate_n" "$(date +%s)" >> "$hpcgate_pf"`,
    '  set -m',
    `  "$hpcgate_script.$hpcgate_n" ${commandLine(spec.args)} &`,
    '  hpcgate_child=$!',
    '  set +m',
    '  while :; do',
    '    hpcgate_again=',
    '    wait "$hpcgate_child"; hpcgate_rc=$?',
    '    [ -z "$hpcgate_again" ] && break',
    '  done',
    `  printf '%s\\tend\\t%s\\t%s\\n' "$hpcgate_n" "$(date +%s)" "$hpcgate_rc" >> "$hpcgate_pf"`,
    'done',
    'hpcgate_announce end',
    'rm -f "$hpcgate_script" "$hpcgate_script".*',
    `[ -n "$hpcgate_skipped" ] && [ "$hpcgate_rc" -eq 0 ] && exit ${DRAINED_EXIT}`,
    'exit "$hpcgate_rc"',
  ];
}

/** A phase's script: its own, or bash running its command. */
function phaseBody(phase: { command?: string | undefined; script?: string | undefined }): string {
  return phase.script ?? `#!/bin/bash\n${phase.command ?? ''}\n`;
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
  // Phases carry no directives: their #SBATCH lines are never read (the submit fields are).
  if (spec.phases) return { body: '#!/bin/bash\n', field: 'body.command', lineOffset: 1 };
  return { body: `#!/bin/bash\n${spec.command ?? ''}\n`, field: 'body.command', lineOffset: 1 };
}
