import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printKeyValue } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .example('$0 jobs unhide <id>', 'show a hidden job in `jobs list` again');

/** `hpcgate jobs unhide <id>`: shows a job you hid in `jobs list` again. */
export function unhideCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'unhide <id>',
    describe: 'Show a hidden job in `jobs list` again',
    builder,
    handler: async (args) => {
      const job = await (await clientFor(args, ctx)).jobs.unhideJob({ jobId: args.id });
      printKeyValue(ctx.io, { id: job.id, name: job.name, hidden: job.hidden }, args.json, job);
    },
  };
}
