import type { Hpcgate, Job, StopMode } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { type ArgsOf, type CommandContext, clientFor, type GlobalArgs } from '../../context.js';
import { CliError, ExitCode, toCliError, usage, worstExitCode } from '../../errors.js';
import { cell, printJson, startProgress } from '../../output.js';
import { isTerminal, STOP_MODES } from './states.js';
import { stateText } from './views.js';

/** The longest the gateway holds a cancel request open (`wait`); the rest is polled here. */
const GATEWAY_MAX_WAIT_S = 300;
const CONCURRENCY = 8;

const builder = (y: Argv<GlobalArgs>) =>
  y
    // Optional for yargs only: `--wait <id>` takes the id, and parseWait gives it back.
    .positional('ids', { type: 'string', array: true, describe: 'job ids' })
    .option('mode', {
      choices: STOP_MODES,
      default: 'cancel' as StopMode,
      describe: 'how to stop (docs/stopping.md: cancel, interrupt, force-stop, terminate)',
    })
    .option('wait', {
      describe: 'wait for the job to end, at most this many seconds (no value: no limit)',
    })
    .example('$0 jobs cancel <id>', 'ask Slurm to cancel it; prints where the job is')
    .example('$0 jobs cancel <id> --mode force-stop --wait 30', 'kill it now; wait up to 30 s')
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
      const client = await clientFor(args, ctx);
      const progress = startProgress(
        ctx.io,
        ctx.stderrIsTTY && waitS !== undefined,
        () =>
          `${args.mode} requested; waiting for ${ids.length === 1 ? 'the job' : 'the jobs'} to end`,
      );
      let results: CancelResult[];
      try {
        results = await mapLimit(ids, CONCURRENCY, (id) => cancelOne(client, id, args.mode, waitS));
      } finally {
        progress.stop();
      }
      report(ctx, args.mode, results, args.json);
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
  mode: StopMode,
  waitS: number | undefined,
): Promise<CancelResult> {
  const started = Date.now();
  try {
    const wait = waitS === undefined ? undefined : Math.min(waitS, GATEWAY_MAX_WAIT_S);
    let job = await client.jobs.cancelJob({ jobId, mode, ...(wait ? { wait } : {}) });
    if (waitS !== undefined && !isTerminal(job.status)) {
      const left = waitS * 1000 - (Date.now() - started);
      if (left > 0) {
        let last = job;
        job = await client.jobs
          .waitForJob({
            jobId,
            ...(Number.isFinite(left) ? { timeoutMs: left } : {}),
            onPoll: (j) => {
              last = j;
            },
          })
          .catch((err: Error) => {
            if (err.name === 'TimeoutError') return last;
            throw err;
          });
      }
    }
    const ended = isTerminal(job.status);
    // Waited for the end and it did not come: like any other wait that ran out of time.
    const late = waitS !== undefined && !ended;
    return {
      jobId,
      outcome: ended ? 'ended' : 'requested',
      status: job.status,
      message: late
        ? `${mode} requested for ${jobId}, but after ${waitS} s the job is still ${stateText(job)}`
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

/** Never "cancelled" unless the job's status says so. */
function resultLine(mode: StopMode, job: Job): string {
  if (job.status === 'CANCELLED') return `cancelled ${job.id}: job is ${stateText(job)}`;
  if (isTerminal(job.status)) {
    return `job ${job.id} ended ${stateText(job)} before the ${mode} took effect`;
  }
  return `${mode} requested for ${job.id}: job is ${stateText(job)}`;
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
