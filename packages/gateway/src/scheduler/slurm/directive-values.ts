/**
 * The `#SBATCH` options a user's script may carry, each with a strict check of its value, and the
 * options the gateway refuses with a reason of their own. Everything else is refused too: this is
 * an allow-list. Every name here is an sbatch 22.05 long option spelled out in full, so that
 * getopt_long matches it exactly (an exact match wins over longer options it is a prefix of, e.g.
 * `--mem` over `--mem-per-cpu`, `--time` over `--time-min`).
 *
 * None of these can change what the gateway tracks (one job, its tag, name, partition, working
 * directory, cluster); those it sets that overlap (`--time`, `--mem`, `--nodes`, `--cpus-per-task`)
 * it passes on sbatch's command line, which sbatch reads after the script and which wins.
 */

/** A check returns null when the value is fine, or what is wrong with it. */
type ValueCheck = (value: string) => string | null;

export type AllowedOption = { flag: true } | { flag: false; check: ValueCheck };

const MAX_MINUTES = 525_600; // one year, as the API's maxMinutes
const MAX_MEMORY_MB = 1024 * 1024 * 1024; // 1 PiB, as the API's memoryMB

const positive =
  (max: number): ValueCheck =>
  (v) =>
    /^[1-9]\d{0,6}$/.test(v) && Number(v) <= max ? null : `a whole number from 1 to ${max}`;

const charset =
  (re: RegExp, what: string): ValueCheck =>
  (v) =>
    re.test(v) ? null : what;

/** Slurm's time limit formats; 0 (which means "no limit") and UNLIMITED are not accepted. */
export const checkTime: ValueCheck = (v) => {
  const forms: [RegExp, (m: string[]) => number][] = [
    [/^(\d{1,7})$/, ([, m]) => Number(m) * 60],
    [/^(\d{1,7}):([0-5]?\d)$/, ([, m, s]) => Number(m) * 60 + Number(s)],
    [
      /^(\d{1,5}):([0-5]?\d):([0-5]?\d)$/,
      ([, h, m, s]) => Number(h) * 3600 + Number(m) * 60 + Number(s),
    ],
    [/^(\d{1,3})-([01]?\d|2[0-3])$/, ([, d, h]) => Number(d) * 86400 + Number(h) * 3600],
    [
      /^(\d{1,3})-([01]?\d|2[0-3]):([0-5]?\d)$/,
      ([, d, h, m]) => Number(d) * 86400 + Number(h) * 3600 + Number(m) * 60,
    ],
    [
      /^(\d{1,3})-([01]?\d|2[0-3]):([0-5]?\d):([0-5]?\d)$/,
      ([, d, h, m, s]) => Number(d) * 86400 + Number(h) * 3600 + Number(m) * 60 + Number(s),
    ],
  ];
  for (const [re, seconds] of forms) {
    const m = re.exec(v);
    if (!m) continue;
    const total = seconds(m);
    return total > 0 && total <= MAX_MINUTES * 60
      ? null
      : `a time limit above zero and at most ${MAX_MINUTES} minutes`;
  }
  return 'a time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS';
};

/** `<n>[K|M|G|T]` (megabytes without a unit); 0, which Slurm reads as "all of the node's", is not. */
export const checkMemory: ValueCheck = (v) => {
  const m = /^([1-9]\d{0,9})([KMGT]?)$/.exec(v);
  if (!m) return 'a size: a whole number above zero with an optional unit K, M, G or T';
  const scale = { K: 1 / 1024, '': 1, M: 1, G: 1024, T: 1024 * 1024 }[m[2]!]!;
  return Number(m[1]) * scale <= MAX_MEMORY_MB ? null : 'at most 1 PiB';
};

const checkNodes: ValueCheck = (v) => {
  const m = /^([1-9]\d{0,5})(?:-([1-9]\d{0,5}))?$/.exec(v);
  const [min, max] = [Number(m?.[1]), Number(m?.[2] ?? m?.[1])];
  return m && min <= max && max <= 100_000
    ? null
    : 'a node count n or a range min-max, from 1 to 100000';
};

const BEGIN_UNITS = '(?:seconds?|minutes?|hours?|days?|weeks?)';
const CLOCK = '([01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?';
const BEGIN_FORMS = [
  new RegExp(`^now(?:\\+[1-9]\\d{0,6}${BEGIN_UNITS}?)?$`),
  new RegExp(`^${CLOCK}$`),
  new RegExp(`^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])T${CLOCK}$`),
];
const checkBegin: ValueCheck = (v) =>
  BEGIN_FORMS.some((re) => re.test(v))
    ? null
    : 'a start time: now, now+<n>[seconds|minutes|hours|days|weeks], HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS]';

/** Signals a job may ask for before its time limit; SIGUSR2 is the wrapper's force-stop signal. */
const SIGNALS = ['HUP', 'INT', 'QUIT', 'USR1', 'TERM', 'ALRM', 'URG', 'CONT'];
const checkSignal: ValueCheck = (v) => {
  const m = /^(B:)?(?:SIG)?([A-Z0-9]{1,8})(?:@(\d{1,5}))?$/.exec(v);
  if (m && m[2] === 'USR2') {
    return "not SIGUSR2: the gateway's wrapper uses it to force-stop the job";
  }
  if (!m || !SIGNALS.includes(m[2]!) || Number(m[3] ?? 0) > 65_535) {
    return `[B:]<signal>[@<seconds>] with a signal among ${SIGNALS.join(', ')} and at most 65535 s`;
  }
  return null;
};

const value = (check: ValueCheck): AllowedOption => ({ flag: false, check });
const FLAG: AllowedOption = { flag: true };

export const ALLOWED_OPTIONS: ReadonlyMap<string, AllowedOption> = new Map([
  ['time', value(checkTime)],
  ['mem', value(checkMemory)],
  ['mem-per-cpu', value(checkMemory)],
  ['cpus-per-task', value(positive(4096))],
  ['nodes', value(checkNodes)],
  ['ntasks', value(positive(1_000_000))],
  ['ntasks-per-node', value(positive(4096))],
  ['gres', value(charset(/^[A-Za-z0-9:,_-]{1,256}$/, 'letters, digits and : , _ - (≤ 256)'))],
  ['gpus', value(charset(/^[A-Za-z0-9:,_-]{1,256}$/, 'letters, digits and : , _ - (≤ 256)'))],
  [
    'constraint',
    value(
      charset(
        /^[A-Za-z0-9&|,_()[\]*:-]{1,256}$/,
        'letters, digits and & | , _ ( ) [ ] * : - without spaces (≤ 256)',
      ),
    ),
  ],
  ['qos', value(charset(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - (≤ 64)'))],
  ['account', value(charset(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - (≤ 64)'))],
  ['reservation', value(charset(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _ . - (≤ 64)'))],
  ['begin', value(checkBegin)],
  ['signal', value(checkSignal)],
  // `--exclusive` takes an optional value in sbatch (=user, =mcs); only the bare flag is allowed.
  ['exclusive', FLAG],
  ['hold', FLAG],
  ['requeue', FLAG],
  ['no-requeue', FLAG],
]);

const TRACKED = 'the gateway sets or tracks it itself';

/** Options refused with a reason of their own (the rest are refused as not on the list). */
export const REFUSED_OPTIONS: ReadonlyMap<string, string> = new Map([
  ['partition', 'use the request\'s "partition" parameter, the only way to choose one'],
  ['job-name', 'the gateway names the job from the request\'s "name"'],
  ['output', "the gateway writes the job's stdout and stderr to its job directory itself"],
  ['error', "the gateway writes the job's stdout and stderr to its job directory itself"],
  ['chdir', 'use the request\'s "workingDir" parameter'],
  ['array', `the gateway submits and tracks exactly one job (${TRACKED})`],
  ['clusters', `the job must run on the system it was submitted to (${TRACKED})`],
  ['comment', `the comment carries the gateway's tag (${TRACKED})`],
  ['wrap', TRACKED],
  ['parsable', TRACKED],
  ['test-only', TRACKED],
  ['wait', TRACKED],
  ['ignore-pbs', TRACKED],
]);

/**
 * Options that contradict each other: `--mem` and `--mem-per-cpu` make sbatch fail (refused here
 * rather than at submission); of `--requeue` and `--no-requeue`, sbatch would silently take the last.
 */
export const EXCLUSIVE_GROUPS: readonly (readonly string[])[] = [
  ['mem', 'mem-per-cpu'],
  ['requeue', 'no-requeue'],
];
