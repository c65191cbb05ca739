import type { JobStreamEvent } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { listValues } from '../../args.js';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { CliError, ExitCode, usage } from '../../errors.js';
import { cell } from '../../output.js';
import { parseStatuses } from './parse.js';
import { watchAll } from './watch-all.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', describe: 'the job id (none: all your jobs, live)' })
    .option('status', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'without an id: only jobs in these statuses (repeatable, or a comma list)',
    })
    .option('name', { type: 'string', describe: 'without an id: name or pattern with * wildcards' })
    .option('tag', {
      alias: 'tags',
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'without an id: only jobs with every one of these tags (repeatable)',
    })
    .example('$0 jobs watch <id>', "print the job's events as they happen, until it ends")
    .example('$0 jobs watch <id> --json | jq .status', 'one JSON object per event')
    .example('$0 jobs watch <id> && echo ok', 'exit 0 only if it ended FINISHED (6 otherwise)')
    .example('$0 jobs watch --status PENDING,RUNNING', 'a live table of your jobs; Ctrl-C ends it');

/** `2026-11-23T10:00:00 RUNNING STATUS_CHANGED Slurm says RUNNING`, escapes neutralised. */
function eventLine(e: JobStreamEvent): string {
  return `${[e.at.replace(/\.\d+Z$/, 'Z'), e.status, e.event, e.description].map(cell).join(' ')}\n`;
}

/**
 * `hpcgate jobs watch <id>`: follows the job's event stream (the whole history first), one line
 * per event, until the job ends; exit 0 if it ended FINISHED, 6 if FAILED or CANCELLED.
 * `hpcgate jobs watch`: all the caller's jobs, live, until Ctrl-C (watch-all.ts).
 */
export function watchCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'watch [id]',
    describe: "Print a job's events until it ends (exit 6 unless FINISHED); no id: all jobs, live",
    builder,
    handler: async (args) => {
      const status = parseStatuses(args.status);
      const tags = listValues(args.tag);
      const filtered = status.length > 0 || tags.length > 0 || args.name !== undefined;
      if (args.id !== undefined && filtered) {
        throw usage('--status, --name and --tag are for watching all your jobs: leave out the id');
      }
      const client = await clientFor(args, ctx);
      try {
        if (args.id === undefined) {
          await watchAll(client, ctx, { json: args.json, status, name: args.name, tags });
          return;
        }
        const stream = client.jobs.events({ jobId: args.id });
        for await (const event of stream) {
          ctx.io.stdout(args.json ? `${JSON.stringify(event)}\n` : eventLine(event));
        }
        const ended = stream.end?.status;
        if (ended !== 'FINISHED') {
          throw new CliError(`job ${args.id} ended ${ended}`, ExitCode.JOB_UNSUCCESSFUL);
        }
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ROUTE_NOT_FOUND') {
          const route = args.id === undefined ? '/v3/jobs/events' : '/v3/jobs/{id}/events';
          throw new CliError(`this gateway has no event stream (GET ${route})`, ExitCode.SERVER);
        }
        throw err;
      }
    },
  };
}
