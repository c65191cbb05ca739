import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from '../../context.js';
import { cancelCommand } from './cancel.js';
import { getCommand } from './get.js';
import { hideCommand } from './hide.js';
import { historyCommand } from './history.js';
import { listCommand } from './list.js';
import { logsCommand } from './logs.js';
import { outputCommand } from './output/index.js';
import { resubmitCommand } from './resubmit.js';
import { statusCommand } from './status.js';
import { stopCommand } from './stop.js';
import { submitCommand } from './submit.js';
import { tasksCommand } from './tasks.js';
import { unhideCommand } from './unhide.js';
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
        .command(resubmitCommand(ctx))
        .command(getCommand(ctx))
        .command(statusCommand(ctx))
        .command(historyCommand(ctx))
        .command(tasksCommand(ctx))
        .command(listCommand(ctx))
        .command(cancelCommand(ctx))
        .command(stopCommand(ctx))
        .command(waitCommand(ctx))
        .command(watchCommand(ctx))
        .command(logsCommand(ctx))
        .command(outputCommand(ctx))
        .command(hideCommand(ctx))
        .command(unhideCommand(ctx))
        .demandCommand(1, 'name a jobs command, e.g. hpcgate jobs list'),
    handler: () => {},
  };
}
