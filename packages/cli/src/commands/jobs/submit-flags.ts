import type { SubmitJobRequest } from '@hpcgate/sdk';
import type { Argv } from 'yargs';
import { listValues, positiveInt, repeated } from '../../args.js';
import { parseEnv, parseMemory } from './parse.js';

const repeatable = (describe: string) =>
  ({ type: 'string', array: true, nargs: 1, describe }) as const;

/** The flags that set a job's submit fields: `jobs submit` and `jobs resubmit` share them. */
export const submitFlags = <T>(y: Argv<T>) =>
  y
    .option('command', { type: 'string', describe: 'a command line instead of a script' })
    .option('name', { type: 'string', describe: 'job name (default: the script file name)' })
    .option('system', { type: 'string', describe: 'execution system (default: $HPCGATE_SYSTEM)' })
    .option('partition', { type: 'string', describe: 'Slurm partition' })
    .option('time', { type: 'number', describe: 'time limit, in minutes' })
    .option('nodes', { type: 'number', describe: 'number of nodes' })
    .option('cpus', { type: 'number', describe: 'CPUs per task' })
    .option('mem', { type: 'string', describe: 'memory, in MB or as 512M, 4G' })
    .option('workdir', { type: 'string', describe: 'working directory on the cluster' })
    .option('tag', repeatable('a tag (repeatable)'))
    .option('arg', repeatable('an argument for the script (repeatable; also after --)'))
    .option('env', repeatable('NAME=VALUE in the job environment (repeatable)'))
    .option('description', { type: 'string', describe: 'free text' })
    .option('exclusive', {
      type: 'boolean',
      describe: 'a singleton: refused while a job of yours with this name has not ended',
    })
    .option('exclusive-key', {
      type: 'string',
      describe: 'a singleton keyed by this instead of the name (implies --exclusive)',
    });

/** What {@link submitFlags} gives a handler (`--` holds the words after a lone `--`). */
export interface SubmitFlagArgs {
  command?: string;
  name?: string;
  system?: string;
  partition?: string;
  time?: number;
  nodes?: number;
  cpus?: number;
  mem?: string;
  workdir?: string;
  tag?: string[];
  arg?: string[];
  env?: string[];
  description?: string;
  exclusive?: boolean;
  exclusiveKey?: string;
  '--'?: (string | number)[];
}

/**
 * The submit fields of the flags that were given, and only those: a resubmission keeps the old
 * job's value of every flag left out. `--tag ''` and `--env ''` give empty ones (they clear).
 */
export function fieldsFromFlags(args: SubmitFlagArgs): Partial<SubmitJobRequest> {
  const fields: Partial<SubmitJobRequest> = {};
  const given = {
    name: args.name,
    execSystemId: args.system,
    command: args.command,
    partition: args.partition,
    workingDir: args.workdir,
    description: args.description,
    maxMinutes: positiveInt('time', args.time),
    nodes: positiveInt('nodes', args.nodes),
    cpusPerTask: positiveInt('cpus', args.cpus),
    memoryMB: parseMemory(args.mem),
    tags: args.tag === undefined ? undefined : listValues(args.tag),
    args:
      args.arg === undefined && args['--'] === undefined
        ? undefined
        : [...repeated(args.arg), ...repeated(args['--'])],
    env: args.env === undefined ? undefined : parseEnv(args.env.filter(Boolean)),
    // An exclusive key makes the job exclusive: sending `exclusive` too would say it twice.
    ...(args.exclusiveKey !== undefined
      ? { exclusiveKey: args.exclusiveKey }
      : { exclusive: args.exclusive }),
  };
  for (const [k, v] of Object.entries(given)) {
    if (v !== undefined) Object.assign(fields, { [k]: v });
  }
  return fields;
}
