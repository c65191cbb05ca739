import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printTable } from '../../output.js';
import { eventRow } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .example('$0 jobs history <id>', 'every transition and stop request, in order');

/** `hpcgate jobs history <id>`: the job's transitions, as a table. */
export function historyCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'history <id>',
    describe: "Show a job's transitions and stop requests, with time and actor",
    builder,
    handler: async (args) => {
      const jobId = args.id;
      const events = await (await clientFor(args, ctx)).jobs.getJobHistory({ jobId });
      printTable(ctx.io, events.map(eventRow), args.json, { jobId, events });
    },
  };
}
