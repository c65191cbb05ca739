import type { OutputEntry, OutputList } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { positiveInt } from '../../../args.js';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../../context.js';
import { printTable, type Row } from '../../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .positional('path', {
      type: 'string',
      default: '',
      describe: 'a directory inside the job directory (default: the job directory)',
    })
    .option('limit', { type: 'number', describe: 'at most this many entries (default 100)' })
    .option('all', { type: 'boolean', describe: 'every entry, page by page' })
    .conflicts('all', 'limit')
    .example('$0 jobs output ls <id>', 'the job directory: stdout, stderr, what the job wrote')
    .example('$0 jobs output ls <id> results --json', 'one directory, as JSON');

/** `TYPE SIZE MODIFIED NAME`, as `ls -l` orders them. */
function entryRow(e: OutputEntry): Row {
  return { type: e.type, size: e.size, modified: e.modified.replace(/\.\d+Z$/, 'Z'), name: e.name };
}

/** `hpcgate jobs output ls <id> [path]`: a directory of the job's files, by name. */
export function outputLsCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'ls <id> [path]',
    describe: "List a directory of the job's files (type, size, modified, name)",
    builder,
    handler: async (args) => {
      const limit = positiveInt('limit', args.limit);
      const request = { jobId: args.id, path: args.path, ...(limit ? { limit } : {}) };
      const { jobs } = await clientFor(args, ctx);
      let page: OutputList;
      if (args.all) {
        const entries: OutputEntry[] = [];
        for await (const e of jobs.listAllOutput(request)) entries.push(e);
        page = { jobId: args.id, path: args.path, entries, nextSkip: null };
      } else {
        page = await jobs.listOutput(request);
      }
      printTable(ctx.io, page.entries.map(entryRow), args.json, page);
      if (page.nextSkip !== null && !args.json) {
        ctx.io.stderr('(more entries: pass --all, or a larger --limit)\n');
      }
    },
  };
}
