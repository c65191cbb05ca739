import type { Job, ListJobsQuery } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { listValues, positiveInt } from '../../args.js';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { printTable } from '../../output.js';
import { parseStatuses } from './parse.js';
import { jobRow } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('status', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'only these statuses (repeatable, or a comma list)',
    })
    .option('name', { type: 'string', describe: 'name or pattern with * wildcards' })
    .option('system', { type: 'string', describe: 'only jobs on this execution system' })
    .option('tag', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'only jobs with every one of these tags (repeatable)',
    })
    .option('limit', { type: 'number', describe: 'at most this many jobs (default 100)' })
    .option('all', {
      type: 'boolean',
      describe: 'every matching job, page by page',
    })
    .option('include-hidden', {
      type: 'boolean',
      describe: 'also the jobs you hid (`jobs hide`)',
    })
    .conflicts('all', 'limit')
    .example('$0 jobs list --status PENDING,RUNNING', 'what is still queued or running')
    .example("$0 jobs list --name 'exp-*' --all --json", 'every job of a sweep, as JSON');

/** `hpcgate jobs list`: the caller's jobs, newest first. */
export function listCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'list',
    describe: 'List your jobs, newest first',
    builder,
    handler: async (args) => {
      const filters: ListJobsQuery = {};
      const status = parseStatuses(args.status);
      const tags = listValues(args.tag);
      if (status.length) filters.status = status;
      if (tags.length) filters.tags = tags;
      if (args.name) filters.name = args.name;
      if (args.system) filters.execSystemId = args.system;
      const limit = positiveInt('limit', args.limit);
      if (limit) filters.limit = limit;
      if (args.includeHidden) filters.includeHidden = true;
      const { jobs } = await clientFor(args, ctx);
      let page: { jobs: Job[]; nextCursor: string | null };
      if (args.all) {
        const all: Job[] = [];
        for await (const job of jobs.listAll(filters)) all.push(job);
        page = { jobs: all, nextCursor: null };
      } else {
        page = await jobs.getJobList(filters);
      }
      printTable(ctx.io, page.jobs.map(jobRow), args.json, page);
      if (page.nextCursor && !args.json) {
        ctx.io.stderr('(more jobs match: pass --all, or a larger --limit)\n');
      }
    },
  };
}
