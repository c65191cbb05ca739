import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from '../../context.js';
import { setCommand } from './set.js';
import { showCommand } from './show.js';

/** `hpcgate config <verb>`. */
export function configCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'config',
    describe: 'Save and show the gateway URL, token and default system (profiles)',
    builder: (y) =>
      y
        .command(setCommand(ctx))
        .command(showCommand(ctx))
        .demandCommand(1, 'name a config command: set or show'),
    handler: () => {},
  };
}
