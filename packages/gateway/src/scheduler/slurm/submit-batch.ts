import { randomBytes } from 'node:crypto';
import type { BatchJobSpec } from '../scheduler.js';
import { remoteTimeoutWords } from './commands.js';
import { commandLine, shellQuote } from './quote.js';

/**
 * Several submissions of one account in one remote command: one SSH channel, one shell for all,
 * then for each job in turn what sbatchCommand does for one (its directory made 0700, the
 * wrapper to `sbatch --parsable`), each job framed by marker lines that parseSubmitBatch reads
 * back. One job's failure (its directory, a refused directive, sbatch's error) is its own: the
 * next job runs all the same.
 */

/** Jobs in one batch: a bound on how long the last one waits behind the others. */
export const MAX_BATCH_JOBS = 16;
/** The batch script's size (each wrapper quoted): a job bigger than this is sent alone. */
export const MAX_BATCH_BYTES = 256 * 1024;

/** One job of a batch. */
export interface BatchJob {
  spec: BatchJobSpec;
  /** The job directory as one shell word (jobDirWord). */
  jobDir: string;
  /** The batch script (wrapper) that sbatch reads. */
  script: string;
  /** Its sbatch line (sbatchLine), built when the job was added: a bad spec fails alone. */
  sbatch: string;
}

/**
 * The command that runs a batch: POSIX sh reading the batch script on stdin, under `timeout` as
 * a single sbatch is (see sbatchCommand): TERM, then KILL, to the whole process group, so no
 * sbatch of the batch outlives the gateway's wait. The jobs run one after the other; those the
 * timeout cut off or never reached are told apart by their markers.
 */
export function submitBatchCommand(commandTimeoutMs: number): string {
  return commandLine([...remoteTimeoutWords(commandTimeoutMs), 'sh', '-s']);
}

/** A marker no job's output can forge: random for each batch. */
export function batchNonce(): string {
  return `hpcgate-batch-${randomBytes(16).toString('hex')}`;
}

/** The size a job adds to a batch script: its wrapper quoted, its sbatch line, its directory. */
export function batchJobBytes(job: BatchJob): number {
  return (
    Buffer.byteLength(shellQuote(job.script)) +
    Buffer.byteLength(job.sbatch) +
    3 * Buffer.byteLength(job.jobDir) +
    512
  );
}

/**
 * The batch script. First every job's directory, made 0700 by one `mkdir` and one `chmod` for
 * all (each process costs as much as half an sbatch here). Then for job i: a start marker; its
 * directory's physical path (it must be a directory of the account's own: `-O`, so the chmod
 * took), by `cd -P` and back, no process; the wrapper as one quoted word piped to sbatch, stdout
 * and stderr together (the id is the one all-digits line); an exit marker with its status.
 * Nothing reads the shell's stdin (the script itself) but the shell.
 */
export function submitBatchScript(jobs: readonly BatchJob[], nonce: string): string {
  if (!/^hpcgate-batch-[0-9a-f]{32}$/.test(nonce)) throw new Error('not a batch nonce');
  const dirs = jobs.map((j) => j.jobDir).join(' ');
  const lines = [
    'hpcgate_start=$PWD',
    `(umask 077 && mkdir -p -- ${dirs}) 2>/dev/null`,
    `chmod 700 -- ${dirs} 2>/dev/null`,
  ];
  jobs.forEach((job, i) => {
    lines.push(
      `printf '\\n%s %s start\\n' ${nonce} ${i}`,
      '{',
      `hpcgate_d=${job.jobDir}`,
      'if [ -d "$hpcgate_d" ] && [ -O "$hpcgate_d" ] && cd -P -- "$hpcgate_d" && hpcgate_d=$PWD && cd -- "$hpcgate_start"; then',
      `printf '%s' ${shellQuote(job.script)} | ${job.sbatch}`,
      // Not made: mkdir once more, for its words in this job's output (a failure only).
      `else (umask 077 && mkdir -p -- "$hpcgate_d"); echo 'hpcgate: cannot make the job directory'; (exit ${NO_JOB_DIR_EXIT}); fi`,
      '} 2>&1',
      `printf '\\n%s %s exit %s\\n' ${nonce} ${i} "$?"`,
    );
  });
  return `${lines.join('\n')}\n`;
}

/** A job whose directory could not be made (as sbatchCommand's `exit 73`). */
export const NO_JOB_DIR_EXIT = 73;

/**
 * What the batch said of one job:
 * - `done`: it ran to its end, with this exit status and output (stdout and stderr together);
 * - `cut`: it started and no end came (the timeout stopped it): it may be queued all the same;
 * - `not-run`: it never started (the batch ended before its turn): nothing of it reached Slurm.
 */
export type BatchOutcome =
  | { state: 'done'; code: number; output: string }
  | { state: 'cut'; output: string }
  | { state: 'not-run' };

/** Maps the batch's stdout back to its `count` jobs, by the batch's nonce. */
export function parseSubmitBatch(stdout: string, count: number, nonce: string): BatchOutcome[] {
  const outcomes: BatchOutcome[] = Array.from({ length: count }, () => ({ state: 'not-run' }));
  const marker = /^(hpcgate-batch-[0-9a-f]{32}) (\d+) (start|exit)(?: (\d+))?$/;
  let current: { index: number; lines: string[] } | null = null;
  const cut = () => {
    if (current) outcomes[current.index] = { state: 'cut', output: text(current.lines) };
  };
  for (const line of stdout.split('\n')) {
    const m = marker.exec(line);
    if (!m || m[1] !== nonce) {
      current?.lines.push(line);
      continue;
    }
    const index = Number(m[2]);
    if (index >= count) continue;
    if (m[3] === 'start') {
      cut();
      current = { index, lines: [] };
    } else if (current?.index === index && m[4] !== undefined) {
      outcomes[index] = { state: 'done', code: Number(m[4]), output: text(current.lines) };
      current = null;
    }
  }
  cut();
  return outcomes;
}

/** A job's output without the blank lines the markers put around it. */
function text(lines: string[]): string {
  return lines.join('\n').trim();
}
