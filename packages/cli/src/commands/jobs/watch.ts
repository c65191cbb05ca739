import type { JobStreamEvent } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { CliError, ExitCode } from '../../errors.js';
import { cell } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .example('$0 jobs watch <id>', "print the job's events as they happen, until it ends")
    .example('$0 jobs watch <id> --json | jq .status', 'one JSON object per event')
    .example('$0 jobs watch <id> && echo ok', 'exit 0 only if it ended FINISHED (6 otherwise)');

/** `2026-11-23T10:00:00 RUNNING STATUS_CHANGED Slurm says RUNNING`, escapes neutralised. */
function eventLine(e: JobStreamEvent): string {
  return `${[e.at.replace(/\.\d+Z$/, 'Z'), e.status, e.event, e.description].map(cell).join(' ')}\n`;
}

/**
 * `hpcgate jobs watch <id>`: follows the job's event stream (the whole history first), one line
 * per event, until the job ends; exit 0 if it ended FINISHED, 6 if FAILED or CANCELLED.
 */
export function watchCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'watch <id>',
    describe: "Print a job's events as they happen until it ends (exit 6 unless FINISHED)",
    builder,
    handler: async (args) => {
      const client = await clientFor(args, ctx);
      const stream = client.jobs.events({ jobId: args.id });
      try {
        for await (const event of stream) {
          ctx.io.stdout(args.json ? `${JSON.stringify(event)}\n` : eventLine(event));
        }
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ROUTE_NOT_FOUND') {
          throw new CliError(
            'this gateway has no event stream (GET /v3/jobs/{id}/events)',
            ExitCode.SERVER,
          );
        }
        throw err;
      }
      const status = stream.end?.status;
      if (status !== 'FINISHED') {
        throw new CliError(`job ${args.id} ended ${status}`, ExitCode.JOB_UNSUCCESSFUL);
      }
    },
  };
}
