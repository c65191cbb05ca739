import type { JobSelector, StopJobResult, StopJobsResponse, StopMode } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { listValues, repeated } from '../../args.js';
import {
  type ArgsOf,
  type CommandContext,
  clientFor,
  type GlobalArgs,
  type HandlerArgs,
  readStdinFor,
  STDIN_ARG,
} from '../../context.js';
import { CliError, ExitCode, usage, worstExitCode } from '../../errors.js';
import { cell, formatTable, printJson, printTable, type Row } from '../../output.js';
import { parseJobIds, parseStatuses } from './parse.js';
import { STOP_MODES } from './states.js';
import { jobRow, stateText } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('ids', { type: 'string', array: true, describe: 'job ids, or - to read stdin' })
    .option('id', { type: 'string', array: true, nargs: 1, describe: 'a job id (repeatable)' })
    .option('name', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'a name or pattern with * (repeatable: any of them)',
    })
    .option('status', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'only jobs in these statuses',
    })
    .option('system', { type: 'string', describe: 'only jobs on this execution system' })
    .option('tag', { type: 'string', array: true, nargs: 1, describe: 'only jobs with this tag' })
    .option('owner', { type: 'string', describe: "another user's jobs (admins only)" })
    .option('mode', {
      choices: STOP_MODES,
      default: 'cancel' as StopMode,
      describe: 'how to stop (docs/stopping.md: cancel, interrupt, force-stop, terminate)',
    })
    .option('what-if', { type: 'boolean', default: false, describe: 'list, stop nothing' })
    .option('yes', { type: 'boolean', default: false, describe: 'do not ask for confirmation' })
    .option('passthru', {
      type: 'boolean',
      describe: 'print the resulting jobs as JSON ({ "jobs": [...] }) on stdout',
    })
    .example("$0 jobs stop --name 'exp-*' --what-if", 'what would be stopped, without stopping')
    .example("$0 jobs stop --name 'exp-*' --status PENDING", 'asks you to type "cancel" first')
    .example(
      "$0 jobs list --name 'exp-*' --json | $0 jobs stop - --mode force-stop --yes",
      'stop the jobs a listing printed (a pipe needs --yes)',
    );

type StopArgs = HandlerArgs<typeof builder>;

/**
 * `hpcgate jobs stop`: stops every job a selector names. It asks the gateway what matches first
 * (whatIf), confirms with a person, then stops exactly those jobs.
 */
export function stopCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'stop [ids..]',
    describe: 'Stop every job that matches ids, names, statuses, system and tags',
    builder,
    handler: async (args) => {
      // Not yargs' conflicts(): --json has a default, so yargs would always see both.
      if (args.passthru && args.json)
        throw usage('--passthru and --json both print JSON: pick one');
      const positional = repeated(args.ids);
      const fromStdin = positional.includes(STDIN_ARG);
      const ids = [...positional.filter((v) => v !== STDIN_ARG), ...listValues(args.id)];
      if (fromStdin) ids.push(...parseJobIds(await readStdinFor(ctx, 'job ids')));
      const mode = args.mode;
      // Ids were asked for and none came: an empty list must not widen the selection.
      if (fromStdin && ids.length === 0) return nothingToStop(ctx, args, mode);
      const selector = selectorOf(args, ids);
      const client = await clientFor(args, ctx);
      const preview = await client.jobs.stopJobs({ selector, mode, whatIf: true });
      const matched = preview.results.filter((r) => r.outcome === 'would_stop');
      if (matched.length === 0) return nothingToStop(ctx, args, mode, preview);
      const rows = matched.map((r) => (r.job ? jobRow(r.job) : { id: r.jobId, name: r.name }));
      if (args.whatIf) {
        if (args.passthru)
          printJson(ctx.io, { jobs: matched.flatMap((r) => (r.job ? [r.job] : [])) });
        else printTable(ctx.io, rows, args.json, preview);
        return;
      }
      await confirm(ctx, mode, rows, args.yes, fromStdin);
      const done = await client.jobs.stopJobs({
        // Exactly the jobs shown: one created meanwhile that matches is not stopped.
        selector: { ...selector, ids: matched.map((r) => r.jobId) },
        mode,
      });
      // They all ended between the look and the stop: nothing runs, which is what was asked.
      if (done.status === 'NO_JOBS_RUNNING') return nothingToStop(ctx, args, mode, done);
      report(ctx, args, done);
    },
  };
}

function selectorOf(args: StopArgs, ids: string[]): JobSelector {
  const selector: JobSelector = {};
  const names = repeated(args.name);
  const status = parseStatuses(args.status);
  const tags = listValues(args.tag);
  // Empty lists are left out: the gateway refuses an empty criterion (400).
  if (ids.length) selector.ids = [...new Set(ids)];
  if (names.length) selector.names = names;
  if (status.length) selector.status = status;
  if (tags.length) selector.tags = tags;
  if (args.system) selector.execSystemId = args.system;
  if (Object.keys(selector).length === 0) {
    throw usage('name the jobs to stop: ids (or - for stdin), --name, --status, --system or --tag');
  }
  if (args.owner) selector.owner = args.owner;
  return selector;
}

/**
 * Nothing matched runs (the gateway's NO_JOBS_RUNNING): its message, which names the selector
 * and how many matches had already ended, and exit 0: "none of these runs" holds.
 */
function nothingToStop(
  ctx: CommandContext,
  args: StopArgs,
  mode: StopMode,
  preview: StopJobsResponse = {
    mode,
    whatIf: true,
    status: 'NO_JOBS_RUNNING',
    message: 'no job ids on stdin: nothing to stop',
    results: [],
  },
): void {
  if (args.passthru) printJson(ctx.io, { jobs: [] });
  else if (args.json) printJson(ctx.io, preview);
  else ctx.io.stdout(`${cell(preview.message)}\n`);
}

/** A person must type the mode's name; a script must say --yes. Never waits on a pipe. */
async function confirm(
  ctx: CommandContext,
  mode: StopMode,
  rows: Row[],
  yes: boolean,
  fromStdin: boolean,
): Promise<void> {
  if (yes) return;
  const jobs = rows.length === 1 ? '1 job' : `${rows.length} jobs`;
  if (fromStdin || !ctx.stdinIsTTY || !ctx.stderrIsTTY) {
    throw usage(`refusing to ${mode} ${jobs} without confirmation: pass --yes (or --what-if)`);
  }
  ctx.io.stderr(formatTable(rows));
  const these = rows.length === 1 ? 'this job' : `these ${jobs}`;
  const answer = await ctx.prompt(`Type "${mode}" to ${mode} ${these}: `);
  if (answer.trim() !== mode)
    throw usage(`aborted: you did not type "${mode}"; nothing was stopped`);
}

function report(ctx: CommandContext, args: StopArgs, res: StopJobsResponse): void {
  if (args.passthru)
    printJson(ctx.io, { jobs: res.results.flatMap((r) => (r.job ? [r.job] : [])) });
  else if (args.json) printJson(ctx.io, res);
  const rows = res.results.map((r) => ({
    id: r.jobId,
    name: r.name,
    result: resultText(res.mode, r),
  }));
  // --passthru feeds a pipe, but the person still sees what happened.
  if (args.passthru) ctx.io.stderr(formatTable(rows));
  else if (!args.json) ctx.io.stdout(formatTable(rows));
  const failed = res.results.filter((r) => r.outcome !== 'stopped');
  if (failed.length === 0) return;
  const code = worstExitCode(
    failed.map((r) => (r.outcome === 'not_cancellable' ? ExitCode.CONFLICT : ExitCode.SERVER)),
  );
  throw new CliError(`${failed.length} of ${res.results.length} jobs were not stopped`, code);
}

/** Honest words: a stop that was accepted is not a cancelled job until Slurm says it ended. */
function resultText(mode: StopMode, r: StopJobResult): string {
  if (r.outcome === 'not_cancellable') return `not cancellable: job is ${r.status}`;
  if (r.outcome === 'error') return `error: ${r.message ?? 'unknown'}`;
  const state = r.job ? stateText(r.job) : r.status;
  if (r.status === 'CANCELLED') return `cancelled: job is ${state}`;
  if (r.status === 'FINISHED' || r.status === 'FAILED') return `ended on its own: ${state}`;
  return `${mode} requested: job is ${state}`;
}
