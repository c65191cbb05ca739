import type { Subscription } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printTable } from '../../output.js';
import { subscriptionRow } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  y.example('$0 subscriptions list', 'your webhooks, newest first');

/** `hpcgate subscriptions list`: every one of the caller's subscriptions, page after page. */
export function listCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'list',
    describe: 'List your webhook subscriptions, newest first',
    builder,
    handler: async (args) => {
      const { subscriptions } = await clientFor(args, ctx);
      const all: Subscription[] = [];
      let cursor: string | undefined;
      do {
        const page = await subscriptions.listSubscriptions(cursor ? { cursor } : {});
        all.push(...page.subscriptions);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      printTable(ctx.io, all.map(subscriptionRow), args.json, { subscriptions: all });
    },
  };
}
