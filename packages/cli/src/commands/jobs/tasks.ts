import type { Hpcgate, JobTask, JobTasks } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { positiveInt } from '../../args.js';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { usage } from '../../errors.js';
import { formatTable, printJson, type Row } from '../../output.js';
import { taskCountsLine } from './array-views.js';
import { shortTime } from './views.js';

/**
 * Without --limit every page is read, up to this many tasks: every task of any array the gateway
 * accepts today (its MAX_ARRAY_TASKS), and a bound on memory and requests should it accept more.
 */
const MAX_TASKS = 10_000;
/** The gateway's largest page: the fewest requests for a whole array. */
const PAGE_SIZE = 1000;

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .option('limit', {
      type: 'number',
      describe: `one page of at most this many tasks (1–1000); default: every task (up to ${MAX_TASKS})`,
    })
    .option('skip', { type: 'number', describe: 'with --limit: pass over this many tasks first' })
    .implies('skip', 'limit')
    .example('$0 jobs tasks <id>', 'every task of the array, and how many are in each status')
    .example('$0 jobs tasks <id> --limit 100 --skip 100', 'the second hundred tasks')
    .example(
      '$0 jobs tasks <id> --json | jq \'.tasks[] | select(.status == "FAILED") | .index\'',
      'the indices that failed',
    );

/** `hpcgate jobs tasks <id>`: a job array's tasks by index, then their counts by status. */
export function tasksCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'tasks <id>',
    describe: "List a job array's tasks (index, status, exit code, times) with the counts",
    builder,
    handler: async (args) => {
      const jobId = args.id;
      const limit = positiveInt('limit', args.limit);
      const skip = args.skip;
      if (skip !== undefined && !(Number.isInteger(skip) && skip >= 0)) {
        throw usage('--skip must be a whole number ≥ 0');
      }
      const { jobs } = await clientFor(args, ctx);
      const result = limit
        ? await jobs.getJobTasks({ jobId, limit, ...(skip ? { skip } : {}) })
        : await everyTask(jobs, jobId);
      if (args.json) {
        printJson(ctx.io, result);
        return;
      }
      ctx.io.stdout(formatTable(taskRows(result.tasks)));
      if (result.summary.total === 0) {
        ctx.io.stderr(`(job ${jobId} is not a job array: it has no tasks)\n`);
        return;
      }
      ctx.io.stdout(`${taskCountsLine(result.summary)}\n`);
      if (result.nextSkip === null) return;
      ctx.io.stderr(
        limit
          ? `(more tasks: --skip ${result.nextSkip} for the next page)\n`
          : `(the first ${result.tasks.length} of ${result.summary.total} tasks: --limit and --skip for the rest)\n`,
      );
    },
  };
}

/**
 * Page after page up to MAX_TASKS, as one answer: the tasks in index order, the counts of the
 * last page read (the freshest), and where a next page would start (null: there is none).
 */
async function everyTask(jobs: Hpcgate['jobs'], jobId: string): Promise<JobTasks> {
  const tasks: JobTask[] = [];
  let last: JobTasks | undefined;
  for await (const page of jobs.listAllTasks({ jobId, limit: PAGE_SIZE })) {
    tasks.push(...page.tasks);
    last = page;
    // An empty page with a next one would have the walk go on for ever.
    if (tasks.length >= MAX_TASKS || page.tasks.length === 0) break;
  }
  // listAllTasks always yields a first page (or throws).
  return { jobId, summary: last!.summary, tasks, nextSkip: last!.nextSkip };
}

/** `INDEX STATUS EXIT STARTED ENDED`, with NAME after the index when the tasks have names. */
function taskRows(tasks: JobTask[]): Row[] {
  const named = tasks.some((t) => t.name !== null);
  return tasks.map((t) => ({
    index: t.index,
    ...(named ? { name: t.name } : {}),
    status: t.status,
    exit: t.exitCode,
    started: t.started && shortTime(t.started),
    ended: t.ended && shortTime(t.ended),
  }));
}
