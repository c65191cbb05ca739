import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printKeyValue } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .example('$0 jobs hide <id>', 'leave it out of `jobs list` (--include-hidden shows it)');

/**
 * `hpcgate jobs hide <id>`: leaves one of your jobs out of `jobs list`. Nothing else changes: it
 * can still be read, followed and stopped, and its history is kept.
 */
export function hideCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'hide <id>',
    describe: 'Leave a job out of `jobs list` (it is otherwise unchanged)',
    builder,
    handler: async (args) => {
      const job = await (await clientFor(args, ctx)).jobs.hideJob({ jobId: args.id });
      printKeyValue(ctx.io, { id: job.id, name: job.name, hidden: job.hidden }, args.json, job);
    },
  };
}
