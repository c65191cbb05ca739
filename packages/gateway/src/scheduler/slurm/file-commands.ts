import { PHASES_FILE } from './batch-script.js';
import { shellQuote } from './quote.js';

/**
 * The remote commands that read a job's directory, as its own account (POSIX sh and GNU
 * coreutils/findutils). Every value from a request reaches them through shellQuote only.
 */

/** Exit codes of the path checks, read by the caller. */
export const NO_JOB_DIR = 66;
export const NOT_FOUND = 67;
export const OUTSIDE = 68;
export const WRONG_TYPE = 69;

/** Log names are the gateway's own (stdout, stderr, with a task's index): safe unquoted. */
function assertLogFile(log: string): void {
  if (!/^(stdout|stderr)(\.\d{1,7})?$/.test(log))
    throw new Error(`not a log: ${JSON.stringify(log)}`);
}

/**
 * Makes the job directory (and its missing parents) 0700 and sets `hpcgate_d` to its physical
 * path, for sbatch's `--output`, `--error` and `--chdir`.
 */
export function makeJobDir(dirWord: string): string {
  return [
    `hpcgate_d=${dirWord}`,
    `(umask 077 && mkdir -p -- "$hpcgate_d") && chmod 700 -- "$hpcgate_d" && hpcgate_d=$(cd -- "$hpcgate_d" && pwd -P) || { echo "hpcgate: cannot make the job directory" >&2; exit 73; }`,
  ].join('\n');
}

/**
 * Resolves `path` inside the job directory into `hpcgate_t`: the directory must exist, the path
 * too (symlinks followed), and it must end inside the directory, whatever its links say.
 */
function resolve(dirWord: string, path: string): string {
  const target = path === '' ? '.' : `./${path}`;
  return [
    `cd -- ${dirWord} 2>/dev/null || exit ${NO_JOB_DIR}`,
    'hpcgate_d=$(pwd -P)',
    `hpcgate_t=$(realpath -e -- ${shellQuote(target)} 2>/dev/null) || exit ${NOT_FOUND}`,
    `case "$hpcgate_t" in "$hpcgate_d"|"$hpcgate_d"/*) ;; *) exit ${OUTSIDE};; esac`,
  ].join('\n');
}

/** One line per entry, NUL-ended: `name \t type \t size \t mtime`; by name, one page (+1). */
export function listCommand(
  dirWord: string,
  path: string,
  page: { skip: number; limit: number },
): string {
  const skip = Math.trunc(page.skip);
  const limit = Math.trunc(page.limit);
  return [
    resolve(dirWord, path),
    `[ -d "$hpcgate_t" ] || exit ${WRONG_TYPE}`,
    `cd -- "$hpcgate_t" && find . -mindepth 1 -maxdepth 1 -printf '%P\\t%y\\t%s\\t%T@\\0' | LC_ALL=C sort -z | tail -z -n +${skip + 1} | head -z -n ${limit + 1}`,
  ].join('\n');
}

/** One line: `type \t size \t mtime` of what the path leads to. */
export function statCommand(dirWord: string, path: string): string {
  return [resolve(dirWord, path), `find "$hpcgate_t" -maxdepth 0 -printf '%y\\t%s\\t%T@\\n'`].join(
    '\n',
  );
}

/** `length` bytes of a regular file from byte `start`. */
export function readCommand(dirWord: string, path: string, start: number, length: number): string {
  const from = Math.trunc(start) + 1;
  return [
    resolve(dirWord, path),
    `[ -f "$hpcgate_t" ] || exit ${WRONG_TYPE}`,
    `tail -c +${from} -- "$hpcgate_t" | head -c ${Math.trunc(length)}`,
  ].join('\n');
}

/**
 * The log's size on a first line, then its last `maxBytes` bytes (exit NOT_FOUND while it does
 * not exist). Read as the job writes it: the size is taken first and no more is sent.
 */
export function tailCommand(dirWord: string, log: string, maxBytes: number): string {
  assertLogFile(log);
  const max = Math.trunc(maxBytes);
  return [
    `cd -- ${dirWord} 2>/dev/null || exit ${NO_JOB_DIR}`,
    `[ -f ${log} ] || exit ${NOT_FOUND}`,
    `hpcgate_s=$(stat -c %s -- ${log}) || exit ${NOT_FOUND}`,
    `hpcgate_f=$(( hpcgate_s > ${max} ? hpcgate_s - ${max} : 0 ))`,
    'echo "$hpcgate_s"',
    `tail -c +$(( hpcgate_f + 1 )) -- ${log} | head -c $(( hpcgate_s - hpcgate_f ))`,
  ].join('\n');
}

/** The phases record a phased job's wrapper writes (PHASES_FILE), or exit NOT_FOUND. */
export function phasesCommand(dirWord: string): string {
  return [
    `cd -- ${dirWord} 2>/dev/null || exit ${NO_JOB_DIR}`,
    `[ -f ${PHASES_FILE} ] || exit ${NOT_FOUND}`,
    `head -c 65536 -- ${PHASES_FILE}`,
  ].join('\n');
}

/**
 * Waits for the log (and the job directory) to exist, prints its size on a first line, then follows it from there
 * (`tail -f`, inotify). It runs until its stdin ends: closing a channel does not stop a remote
 * command that writes nothing, so the reader watches stdin and is killed when it ends (the
 * gateway's stop(), or sshd when the connection drops).
 */
export function followCommand(dirWord: string, log: string): string {
  assertLogFile(log);
  return [
    // The directory too may not exist yet: the job's sbatch may still be on its way.
    `( hpcgate_d=${dirWord} || exit ${NO_JOB_DIR}`,
    `  while [ ! -f "$hpcgate_d"/${log} ]; do sleep 0.2; done`,
    `  cd -- "$hpcgate_d" || exit ${NO_JOB_DIR}`,
    `  hpcgate_s=$(stat -c %s -- ${log}); echo "$hpcgate_s"`,
    `  exec tail -c +$(( hpcgate_s + 1 )) -f -- ${log} ) &`,
    'hpcgate_p=$!',
    'cat >/dev/null',
    // Reaped here: left to the container's init, it would linger as a zombie.
    'kill "$hpcgate_p" 2>/dev/null; wait "$hpcgate_p" 2>/dev/null',
    'exit 0',
  ].join('\n');
}
