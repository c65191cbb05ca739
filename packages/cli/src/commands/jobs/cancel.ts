import type { Hpcgate, Job, StopMode } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { CliError, ExitCode, toCliError, usage, worstExitCode } from '../../errors.js';
import { cell, printJson, startProgress } from '../../output.js';
import { cancelFlags, type StopSpec, stopFromFlags } from './cancel-flags.js';
import { resultLine, stopStateText } from './cancel-words.js';
import { isTerminal } from './states.js';

const CONCURRENCY = 8;

const builder = (y: Argv<GlobalArgs>) =>
  cancelFlags(
    // Optional for yargs only: `--wait <id>` takes the id, and parseWait gives it back.
    y.positional('ids', { type: 'string', array: true, describe: 'job ids' }),
  )
    .option('wait', {
      describe: 'wait for the job to end, at most this many seconds (no value: no limit)',
    })
    .example('$0 jobs cancel <id>', 'ask Slurm to cancel it; prints where the job is')
    .example('$0 jobs cancel <id> --mode force-stop --wait 30', 'kill it now; wait up to 30 s')
    .example('$0 jobs cancel <id> --drain', 'an array: start no new task, let the running finish')
    .example(
      '$0 jobs cancel <id> --interrupt --escalate 30s --escalate 60s:terminate',
      'SIGINT; force-stop 30 s later if it still runs, terminate 60 s after that',
    )
    .example('$0 jobs cancel <id1> <id2> --json', 'several jobs; one result each');

export interface CancelResult {
  jobId: string;
  /** requested: accepted, the job has not ended yet; ended: it has (see status). */
  outcome: 'requested' | 'ended' | 'not_cancellable' | 'error';
  status: string | null;
  message: string | null;
  job: Job | null;
  exitCode: number;
}

/**
 * `hpcgate jobs cancel <id...>`: asks the gateway to stop each job and says honestly where it is:
 * an accepted request is not a cancelled job until Slurm says the job ended.
 */
export function cancelCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'cancel [ids..]',
    describe: 'Stop jobs by id (and, with --wait, wait until they have ended)',
    builder,
    handler: async (args) => {
      const { ids, waitS } = parseWait(args.ids ?? [], args.wait);
      if (ids.length === 0) throw usage('name the jobs to cancel: hpcgate jobs cancel <id...>');
      // Before anything is sent: a bad --escalate is one usage error, not one per job.
      const stop = stopFromFlags(args);
      const client = await clientFor(args, ctx);
      const progress = startProgress(
        ctx.io,
        ctx.stderrIsTTY && waitS !== undefined,
        () =>
          `${stop.mode} requested; waiting for ${ids.length === 1 ? 'the job' : 'the jobs'} to end`,
      );
      let results: CancelResult[];
      try {
        results = await mapLimit(ids, CONCURRENCY, (id) => cancelOne(client, id, stop, waitS));
      } finally {
        progress.stop();
      }
      report(ctx, stop.mode, results, args.json);
      const code = worstExitCode(results.map((r) => r.exitCode));
      if (code !== ExitCode.OK) throw new CliError('', code, true);
    },
  };
}

/**
 * `--wait` takes an optional value, so in `cancel --wait <id>` yargs reads the id as the value:
 * give it back to the ids.
 */
function parseWait(ids: string[], wait: unknown): { ids: string[]; waitS: number | undefined } {
  const all = [...ids];
  let waitS: number | undefined;
  if (wait === true || wait === '') waitS = Number.POSITIVE_INFINITY;
  else if (typeof wait === 'number' && wait >= 0) waitS = wait;
  else if (typeof wait === 'string' && !/^[\d.]+$/.test(wait)) {
    all.unshift(wait);
    waitS = Number.POSITIVE_INFINITY;
  } else if (wait !== undefined && wait !== false) {
    throw usage('--wait takes a number of seconds (or nothing: no limit)');
  }
  return { ids: [...new Set(all)], waitS };
}

async function cancelOne(
  client: Hpcgate,
  jobId: string,
  { mode, escalate, tasks }: StopSpec,
  waitS: number | undefined,
): Promise<CancelResult> {
  try {
    // With a wait, the SDK follows the job's event stream (or lets the gateway hold the answer,
    // then polls) and resolves to the job as it is once it ended or the wait is over.
    const job = await client.jobs.cancelJob({
      jobId,
      mode,
      ...(escalate ? { escalate } : {}),
      ...(tasks ? { tasks } : {}),
      ...(waitS ? { wait: waitS } : {}),
    });
    const ended = isTerminal(job.status);
    // Waited for the end and it did not come: like any other wait that ran out of time.
    const late = waitS !== undefined && !ended;
    return {
      jobId,
      outcome: ended ? 'ended' : 'requested',
      status: job.status,
      message: late
        ? `${mode} requested for ${jobId}, but after ${waitS} s the job is still ${stopStateText(mode, job)}`
        : null,
      job,
      exitCode: late ? ExitCode.SERVER : ExitCode.OK,
    };
  } catch (err) {
    const e = toCliError(err);
    const status = (err as { job?: { status?: string | null } }).job?.status ?? null;
    const conflict = e.exitCode === ExitCode.CONFLICT;
    return {
      jobId,
      outcome: conflict ? 'not_cancellable' : 'error',
      status,
      message:
        conflict && status
          ? `job ${jobId} was not stopped: it had already ended ${status}`
          : e.message,
      job: null,
      exitCode: e.exitCode,
    };
  }
}

function report(ctx: CommandContext, mode: StopMode, results: CancelResult[], json: boolean) {
  if (json) printJson(ctx.io, { mode, results: results.map(({ exitCode: _, ...r }) => r) });
  for (const r of results) {
    if (r.exitCode !== ExitCode.OK) ctx.io.stderr(`hpcgate: ${cell(r.message)}\n`);
    else if (!json && r.job) ctx.io.stdout(`${cell(resultLine(mode, r.job))}\n`);
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
