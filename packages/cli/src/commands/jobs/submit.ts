import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SubmitJobRequest } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { listValues, positiveInt, repeated } from '../../args.js';
import { resolveSettings } from '../../config.js';
import {
  type ArgsOf,
  type CommandContext,
  clientFor,
  type GlobalArgs,
  type HandlerArgs,
  readStdinFor,
  STDIN_ARG,
} from '../../context.js';
import { usage } from '../../errors.js';
import { printKeyValue } from '../../output.js';
import { parseEnv, parseMemory } from './parse.js';
import { jobFields } from './views.js';
import { requireFinished, waitWithProgress } from './waiting.js';

const repeatable = (describe: string) =>
  ({ type: 'string', array: true, nargs: 1, describe }) as const;

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('script', { type: 'string', describe: 'batch script file, or - to read stdin' })
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
    .option('wait', {
      type: 'boolean',
      default: false,
      describe: 'wait for the job to end; exit 0 if FINISHED, 6 otherwise',
    })
    .example('$0 jobs submit train.sh --system cluster-a --time 30 --mem 4G', 'submit a script')
    .example("$0 jobs submit --command 'hostname' --wait", 'run a command, wait for its end')
    .example('generate.sh | $0 jobs submit - --name gen -- --seed 7', 'script from stdin, args');

/** `hpcgate jobs submit <script>`: submits, prints the job; `--wait` also waits for its end. */
export function submitCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'submit [script]',
    describe: 'Submit a batch script (or --command) to an execution system',
    builder,
    handler: async (args) => {
      const request = await submitRequest(args, ctx);
      const client = await clientFor(args, ctx);
      let job = await client.jobs.submitJob(request);
      if (!args.wait) {
        printKeyValue(ctx.io, jobFields(job), args.json, job);
        return;
      }
      ctx.io.stderr(`submitted job ${job.id}; waiting for it to end\n`);
      job = await waitWithProgress(client, ctx, { jobId: job.id, initial: job.status });
      printKeyValue(ctx.io, jobFields(job), args.json, job);
      requireFinished(job);
    },
  };
}

type SubmitArgs = HandlerArgs<typeof builder> & { '--'?: (string | number)[] };

async function submitRequest(args: SubmitArgs, ctx: CommandContext): Promise<SubmitJobRequest> {
  if ((args.script === undefined) === (args.command === undefined)) {
    throw usage('give a script file (or - for stdin) or --command, not both');
  }
  const fromStdin = args.script === STDIN_ARG;
  const script =
    args.script === undefined
      ? undefined
      : fromStdin
        ? await readStdinFor(ctx, 'the script')
        : await readFile(args.script, 'utf8').catch((err: NodeJS.ErrnoException) => {
            throw usage(`cannot read ${args.script}: ${err.code ?? err.message}`);
          });
  const system = args.system ?? (await resolveSettings(args, ctx.env)).system;
  if (!system) {
    throw usage(
      'no execution system: pass --system, set HPCGATE_SYSTEM or run `hpcgate config set --system`',
    );
  }
  const request: SubmitJobRequest = {
    name: args.name ?? (args.script && !fromStdin ? basename(args.script) : 'job'),
    execSystemId: system,
    args: [...repeated(args.arg), ...repeated(args['--'])],
    env: parseEnv(args.env),
    tags: listValues(args.tag),
  };
  if (script !== undefined) request.script = script;
  if (args.command !== undefined) request.command = args.command;
  const optional = {
    partition: args.partition,
    workingDir: args.workdir,
    description: args.description,
    maxMinutes: positiveInt('time', args.time),
    nodes: positiveInt('nodes', args.nodes),
    cpusPerTask: positiveInt('cpus', args.cpus),
    memoryMB: parseMemory(args.mem),
  };
  for (const [k, v] of Object.entries(optional)) {
    if (v !== undefined) Object.assign(request, { [k]: v });
  }
  return request;
}
