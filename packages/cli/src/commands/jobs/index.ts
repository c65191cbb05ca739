import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from '../../context.js';
import { cancelCommand } from './cancel.js';
import { getCommand } from './get.js';
import { historyCommand } from './history.js';
import { listCommand } from './list.js';
import { statusCommand } from './status.js';
import { stopCommand } from './stop.js';
import { submitCommand } from './submit.js';
import { waitCommand } from './wait.js';
import { watchCommand } from './watch.js';

/** `hpcgate jobs <verb>`. */
export function jobsCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'jobs',
    describe: 'Submit, inspect, wait for and stop jobs',
    builder: (y) =>
      y
        .command(submitCommand(ctx))
        .command(getCommand(ctx))
        .command(statusCommand(ctx))
        .command(historyCommand(ctx))
        .command(listCommand(ctx))
        .command(cancelCommand(ctx))
        .command(stopCommand(ctx))
        .command(waitCommand(ctx))
        .command(watchCommand(ctx))
        .demandCommand(1, 'name a jobs command, e.g. hpcgate jobs list'),
    handler: () => {},
  };
}
