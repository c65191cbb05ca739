import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from '../../context.js';
import { addCommand } from './add.js';
import { deliveriesCommand } from './deliveries.js';
import { listCommand } from './list.js';
import { rmCommand } from './rm.js';

/** `hpcgate subscriptions <verb>`: webhooks on the caller's job events. */
export function subscriptionsCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'subscriptions',
    describe: 'Webhooks: have the gateway POST events of your jobs to a URL',
    builder: (y) =>
      y
        .command(addCommand(ctx))
        .command(listCommand(ctx))
        .command(rmCommand(ctx))
        .command(deliveriesCommand(ctx))
        .demandCommand(1, 'name a subscriptions command, e.g. hpcgate subscriptions list'),
    handler: () => {},
  };
}
