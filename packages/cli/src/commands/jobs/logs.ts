import type { LogGap } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { CliError, ExitCode, usage } from '../../errors.js';
import { cell } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .option('follow', {
      alias: 'f',
      type: 'boolean',
      default: false,
      describe: 'keep printing lines as they are written, until the job is over',
    })
    .option('stderr', { type: 'boolean', default: false, describe: "the job's stderr, not stdout" })
    .option('offset', { type: 'number', describe: 'start at this byte of the log (default 0)' })
    .example('$0 jobs logs <id>', 'what the job has written to stdout so far')
    .example('$0 jobs logs <id> -f --stderr', 'follow its stderr until the job ends')
    .example('$0 jobs logs <id> --json | jq -r .line', 'each line as JSON, with its byte offset');

/**
 * `hpcgate jobs logs <id>`: the job's stdout (or stderr) line by line, as the gateway streams it
 * (resumed by the SDK after a dropped connection); exit 0 once the stream ended. Lines are printed
 * as the job wrote them, a last line without a newline included.
 */
export function logsCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'logs <id>',
    describe: "Print a job's stdout or stderr (-f: follow it until the job is over)",
    builder,
    handler: async (args) => {
      const offset = args.offset;
      if (offset !== undefined && (!Number.isSafeInteger(offset) || offset < 0)) {
        throw usage('--offset must be a whole number of bytes ≥ 0');
      }
      const stream = args.stderr ? 'stderr' : 'stdout';
      const client = await clientFor(args, ctx);
      const logs = client.jobs.followLogs({
        jobId: args.id,
        stream,
        follow: args.follow,
        ...(offset !== undefined ? { offset } : {}),
      });
      try {
        for await (const item of logs) {
          if (args.json) ctx.io.stdout(`${JSON.stringify(item)}\n`);
          else if (item.kind === 'line') ctx.io.stdout(item.partial ? item.line : `${item.line}\n`);
          else ctx.io.stderr(gapNote(args.id, item));
        }
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ROUTE_NOT_FOUND') {
          throw new CliError(
            'this gateway has no log stream (GET /v3/jobs/{id}/logs)',
            ExitCode.SERVER,
          );
        }
        throw err;
      }
      if (args.json && logs.end) ctx.io.stdout(`${JSON.stringify({ kind: 'end', ...logs.end })}\n`);
    },
  };
}

/** Said once, where the bytes are missing; the lines go on after it. */
function gapNote(jobId: string, gap: LogGap): string {
  const range = `${gap.from}-${gap.to - 1}`;
  return (
    `hpcgate: bytes ${range} of ${gap.stream} were left out (${cell(gap.reason)}); ` +
    `\`hpcgate jobs output get ${jobId} ${gap.stream} --range ${range}\` has them\n`
  );
}
