import type { CommandModule } from 'yargs';
import { type CommandContext, clientFor, type GlobalArgs } from '../context.js';
import { CliError, ExitCode } from '../errors.js';
import { printTable } from '../output.js';

/** `hpcgate health`: is the gateway up, and does it reach each execution system? */
export function healthCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'health',
    describe: 'Show whether the gateway reaches each execution system over SSH',
    builder: (y) => y.example('$0 health --url http://127.0.0.1:8080', 'check the sandbox gateway'),
    handler: async (args) => {
      const health = await (await clientFor(args, ctx)).health.ready();
      const rows = Object.entries(health.systems).map(([system, s]) => ({
        system,
        reachable: s.reachable ? 'yes' : 'no',
        latencyMs: s.latencyMs,
        error: s.error,
      }));
      printTable(ctx.io, rows, args.json, health);
      if (health.status !== 'ready') {
        throw new CliError('at least one execution system is unreachable', ExitCode.SERVER);
      }
    },
  };
}
