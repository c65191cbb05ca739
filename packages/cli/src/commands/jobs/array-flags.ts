import type { JobArray } from '@hpcgate/sdk';
import type { Argv } from 'yargs';
import { positiveInt } from '../../args.js';
import { usage } from '../../errors.js';

/** `jobs submit --array 1-100 --max-parallel 10`: a job array, one task per index. */
export const arrayFlags = <T>(y: Argv<T>) =>
  y
    .option('array', {
      type: 'string',
      describe:
        "a job array, one task per index: 1-100 or 1,3,7-9 (Slurm's 1-100%10 sets --max-parallel too)",
    })
    .option('max-parallel', {
      type: 'number',
      describe: 'with --array: at most this many tasks run at once',
    });

export interface ArrayFlagArgs {
  array?: string;
  maxParallel?: number;
}

/**
 * The submit's `array`, or undefined without --array. The indices are the gateway's to judge
 * (its 400 names the rule); only what the CLI reads itself is checked here: the `%` that sbatch
 * users write, and the limit given once.
 */
export function arrayFromFlags(args: ArrayFlagArgs): JobArray | undefined {
  if (args.array === undefined) {
    if (args.maxParallel !== undefined) throw usage('--max-parallel needs --array');
    return undefined;
  }
  const [indices = '', percent, ...more] = args.array.trim().split('%');
  if (more.length > 0 || percent === '' || indices === '') {
    throw usage(`--array takes indices such as 1-100, optionally %N, not "${args.array}"`);
  }
  if (percent !== undefined && args.maxParallel !== undefined) {
    throw usage(`give the limit once: --array ${indices}%${percent} or --max-parallel`);
  }
  if (percent !== undefined && !(/^\d+$/.test(percent) && Number(percent) >= 1)) {
    throw usage(`--array ${args.array}: the number after % must be a whole number ≥ 1`);
  }
  const maxParallel =
    percent === undefined ? positiveInt('max-parallel', args.maxParallel) : Number(percent);
  return maxParallel === undefined ? { indices } : { indices, maxParallel };
}
