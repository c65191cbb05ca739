import { basename } from 'node:path';
import type { SubmitJobRequest } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { listValues, repeated } from '../../args.js';
import { resolveSettings } from '../../config.js';
import {
  type ArgsOf,
  type CommandContext,
  clientFor,
  type GlobalArgs,
  type HandlerArgs,
  STDIN_ARG,
} from '../../context.js';
import { usage } from '../../errors.js';
import { printKeyValue } from '../../output.js';
import { explainAlreadyRunning } from './already-running.js';
import { arrayFlags, arrayFromFlags } from './array-flags.js';
import { parseEnv } from './parse.js';
import { readScript } from './script-file.js';
import { fieldsFromFlags, submitFlags } from './submit-flags.js';
import { jobFields } from './views.js';
import { requireFinished, waitWithProgress } from './waiting.js';

const builder = (y: Argv<GlobalArgs>) =>
  arrayFlags(
    submitFlags(
      y.positional('script', { type: 'string', describe: 'batch script file, or - to read stdin' }),
    ),
  )
    .option('wait', {
      type: 'boolean',
      default: false,
      describe: 'wait for the job to end; exit 0 if FINISHED, 6 otherwise',
    })
    .example('$0 jobs submit train.sh --system cluster-a --time 30 --mem 4G', 'submit a script')
    .example("$0 jobs submit --command 'hostname' --wait", 'run a command, wait for its end')
    .example(
      "$0 jobs submit --command 'sync.sh' --name nightly-sync --exclusive",
      'refused while the last nightly-sync still runs',
    )
    .example('generate.sh | $0 jobs submit - --name gen -- --seed 7', 'script from stdin, args')
    .example(
      '$0 jobs submit sweep.sh --array 1-100 --max-parallel 10',
      'one task per index ($SLURM_ARRAY_TASK_ID), at most 10 at once',
    );

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
      let job = await client.jobs.submitJob(request).catch(explainAlreadyRunning);
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
  const script = args.script === undefined ? undefined : await readScript(args.script, ctx);
  const system = args.system ?? (await resolveSettings(args, ctx.env)).system;
  if (!system) {
    throw usage(
      'no execution system: pass --system, set HPCGATE_SYSTEM or run `hpcgate config set --system`',
    );
  }
  const request: SubmitJobRequest = {
    ...fieldsFromFlags(args),
    name: args.name ?? (args.script && !fromStdin ? basename(args.script) : 'job'),
    execSystemId: system,
    // Always sent, empty or not: a new job has no old values to keep.
    args: [...repeated(args.arg), ...repeated(args['--'])],
    env: parseEnv(args.env),
    tags: listValues(args.tag),
  };
  if (script !== undefined) request.script = script;
  const array = arrayFromFlags(args);
  if (array) request.array = array;
  return request;
}
