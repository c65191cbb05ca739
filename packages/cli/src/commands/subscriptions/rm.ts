import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { CliError, toCliError, usage, worstExitCode } from '../../errors.js';
import { cell, printJson } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('ids', { type: 'string', array: true, describe: 'subscription ids' })
    .example('$0 subscriptions rm <id>', 'delete one; nothing more is sent to its URL');

/** `hpcgate subscriptions rm <id...>`: deletes each; one line per id, the worst exit code. */
export function rmCommand(ctx: CommandContext): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'rm [ids..]',
    describe: 'Delete webhook subscriptions (with their delivery logs)',
    builder,
    handler: async (args) => {
      const ids = [...new Set(args.ids ?? [])];
      if (ids.length === 0)
        throw usage('name the subscriptions to delete: hpcgate subscriptions rm <id...>');
      const { subscriptions } = await clientFor(args, ctx);
      const results: { subscriptionId: string; deleted: boolean; message: string | null }[] = [];
      const codes: number[] = [];
      for (const subscriptionId of ids) {
        try {
          await subscriptions.deleteSubscription({ subscriptionId });
          results.push({ subscriptionId, deleted: true, message: null });
          if (!args.json) ctx.io.stdout(`deleted subscription ${cell(subscriptionId)}\n`);
        } catch (err) {
          const e = toCliError(err);
          codes.push(e.exitCode);
          results.push({ subscriptionId, deleted: false, message: e.message });
          ctx.io.stderr(`hpcgate: ${cell(e.message)}\n`);
        }
      }
      if (args.json) printJson(ctx.io, { results });
      const code = worstExitCode(codes);
      if (code !== 0) throw new CliError('', code, true);
    },
  };
}
