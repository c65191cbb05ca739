import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from '../../../context.js';
import { outputGetCommand } from './get.js';
import { outputLsCommand } from './ls.js';

/** `hpcgate jobs output <verb>`: the files in a job's directory. */
export function outputCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'output',
    describe: "List and download the files in a job's directory",
    builder: (y) =>
      y
        .command(outputLsCommand(ctx))
        .command(outputGetCommand(ctx))
        .demandCommand(1, 'name an output command, e.g. hpcgate jobs output ls <id>'),
    handler: () => {},
  };
}
