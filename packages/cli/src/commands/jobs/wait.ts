import type { Argv, CommandModule } from 'yargs';
import { secondsToMs } from '../../args.js';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printKeyValue } from '../../output.js';
import { parseStatuses } from './parse.js';
import { jobFields } from './views.js';
import { requireFinished, waitWithProgress } from './waiting.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .option('until', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'stop waiting at these statuses (default: FINISHED, FAILED, CANCELLED)',
    })
    .option('timeout', { type: 'number', describe: 'give up after this many seconds (exit 5)' })
    .option('exit-status', {
      type: 'boolean',
      describe: 'exit 6 unless the job ended FINISHED',
    })
    .conflicts('exit-status', 'until')
    .example('$0 jobs wait <id> --timeout 600', 'wait up to 10 minutes for the job to end')
    .example('$0 jobs wait <id> --until RUNNING', 'wait until it starts')
    .example('$0 jobs wait <id> --exit-status && echo ok', 'succeed only if it FINISHED');

/** `hpcgate jobs wait <id>`: polls until the job reaches a state, then prints it. */
export function waitCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'wait <id>',
    describe: 'Wait until a job ends (or reaches --until), then print it',
    builder,
    handler: async (args) => {
      const until = parseStatuses(args.until);
      const timeoutMs = secondsToMs('timeout', args.timeout);
      const client = await clientFor(args, ctx);
      const job = await waitWithProgress(client, ctx, {
        jobId: args.id,
        ...(until.length ? { until } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      });
      printKeyValue(ctx.io, jobFields(job), args.json, job);
      if (args.exitStatus) requireFinished(job);
    },
  };
}
