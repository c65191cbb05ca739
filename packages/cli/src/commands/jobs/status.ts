import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printJson } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .example('$0 jobs status <id>', 'prints e.g. RUNNING, or FAILED (JOB_EXIT_NONZERO)');

/** `hpcgate jobs status <id>`: one word (and the condition), easy to use in a script. */
export function statusCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'status <id>',
    describe: "Print a job's status and condition",
    builder,
    handler: async (args) => {
      const s = await (await clientFor(args, ctx)).jobs.getJobStatus({ jobId: args.id });
      if (args.json) printJson(ctx.io, s);
      else ctx.io.stdout(s.condition ? `${s.status} (${s.condition})\n` : `${s.status}\n`);
    },
  };
}
