import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printKeyValue } from '../../output.js';
import { jobFields } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .example('$0 jobs get 3f2b8e4e-8c1d-4f5a-9b7e-2d6c1a0f9e8d', 'show a job')
    .example('$0 jobs get <id> --json | jq .exitCode', 'one field, for a script');

/** `hpcgate jobs get <id>`: the whole job, as key/value lines. */
export function getCommand(ctx: CommandContext): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'get <id>',
    describe: 'Show a job: status, Slurm state, exit code, times, stop request, parameters',
    builder,
    handler: async (args) => {
      const job = await (await clientFor(args, ctx)).jobs.getJob({ jobId: args.id });
      printKeyValue(ctx.io, jobFields(job), args.json, job);
    },
  };
}
