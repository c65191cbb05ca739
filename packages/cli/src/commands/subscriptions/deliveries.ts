import type { Argv, CommandModule } from 'yargs';
import { positiveInt } from '../../args.js';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printTable } from '../../output.js';
import { deliveryRow } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the subscription id' })
    .option('limit', {
      type: 'number',
      describe: 'at most this many deliveries (default 20, ≤ 100)',
    })
    .example('$0 subscriptions deliveries <id>', 'what was sent, and what the receiver said')
    .example('$0 subscriptions deliveries <id> --json', 'with every attempt');

/** `hpcgate subscriptions deliveries <id>`: the delivery log, newest first. */
export function deliveriesCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'deliveries <id>',
    describe: "Show a subscription's recent deliveries and how each went",
    builder,
    handler: async (args) => {
      const limit = positiveInt('limit', args.limit);
      const page = await (await clientFor(args, ctx)).subscriptions.listDeliveries({
        subscriptionId: args.id,
        ...(limit ? { limit } : {}),
      });
      printTable(ctx.io, page.deliveries.map(deliveryRow), args.json, page);
    },
  };
}
