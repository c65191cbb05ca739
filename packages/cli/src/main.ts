import yargs from 'yargs';
import { healthCommand } from './commands/health.js';
import type { CommandContext } from './context.js';
import { CliError, ExitCode, toCliError } from './errors.js';
import { processIo } from './output.js';

/**
 * Runs the CLI on `argv` (without `node` and the script) and resolves to the exit code.
 * It never exits the process: only bin.ts does.
 */
export async function main(argv: string[], ctx: Partial<CommandContext> = {}): Promise<number> {
  const context: CommandContext = { io: ctx.io ?? processIo, env: ctx.env ?? process.env };
  let failure: CliError | undefined;
  const parser = yargs()
    .scriptName('hpcgate')
    .usage('$0 <command> [options]')
    .option('url', { type: 'string', describe: 'gateway URL (default: $HPCGATE_URL)' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON and nothing else' })
    .command(healthCommand(context) as never)
    .demandCommand(1, 'name a command')
    .strict()
    .help()
    .exitProcess(false)
    .fail((msg, err) => {
      failure = err ? toCliError(err) : new CliError(msg, ExitCode.USAGE);
    });
  try {
    await parser.parseAsync(argv, {}, (_err, _argv, output) => {
      if (output && !failure) context.io.stdout(`${output}\n`);
    });
  } catch (err) {
    failure ??= toCliError(err);
  }
  if (failure) {
    context.io.stderr(`hpcgate: ${failure.message}\n`);
    return failure.exitCode;
  }
  return ExitCode.OK;
}
