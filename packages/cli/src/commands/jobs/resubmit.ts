import type { ResubmitJobRequest } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import {
  type ArgsOf,
  type CommandContext,
  clientFor,
  type GlobalArgs,
  type HandlerArgs,
} from '../../context.js';
import { usage } from '../../errors.js';
import { printKeyValue } from '../../output.js';
import { explainAlreadyRunning } from './already-running.js';
import { readScript } from './script-file.js';
import { fieldsFromFlags, submitFlags } from './submit-flags.js';
import { jobFields } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  submitFlags(
    y
      .positional('id', { type: 'string', demandOption: true, describe: 'the job to start again' })
      .option('script', {
        type: 'string',
        describe: 'a new batch script file, or - to read stdin (replaces the script or command)',
      }),
  )
    .epilog("Every flag left out keeps the old job's value (the defaults above are a submit's).")
    .example('$0 jobs resubmit <id>', 'the same job again, as a new job')
    .example('$0 jobs resubmit <id> --time 120', 'again, with a longer time limit')
    .example("$0 jobs resubmit <id> --command 'sync.sh --full' --name full-sync", 'changed');

type ResubmitArgs = HandlerArgs<typeof builder> & { '--'?: (string | number)[] };

/**
 * `hpcgate jobs resubmit <id>`: a new job from one of yours, in any status, with the submit
 * flags given replacing the old values (every flag left out keeps the old one). Prints the new
 * job, whose `resubmittedFrom` names the old one.
 */
export function resubmitCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'resubmit <id>',
    describe: 'Submit a job again as a new job, changing any submit parameter',
    builder,
    handler: async (args) => {
      const overrides = await overridesOf(args, ctx);
      const client = await clientFor(args, ctx);
      const job = await client.jobs
        .resubmitJob({ jobId: args.id, ...overrides })
        .catch(explainAlreadyRunning);
      printKeyValue(ctx.io, jobFields(job), args.json, job);
    },
  };
}

async function overridesOf(args: ResubmitArgs, ctx: CommandContext): Promise<ResubmitJobRequest> {
  if (args.script !== undefined && args.command !== undefined) {
    throw usage('give --script or --command, not both');
  }
  const overrides: ResubmitJobRequest = fieldsFromFlags(args);
  if (args.script !== undefined) overrides.script = await readScript(args.script, ctx);
  return overrides;
}
