import type { ByteRange, DownloadedFile, Hpcgate } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import {
  type ArgsOf,
  type CommandContext,
  clientFor,
  type GlobalArgs,
  type HandlerArgs,
} from '../../../context.js';
import { CliError, ExitCode, usage } from '../../../errors.js';
import {
  formatBytes,
  formatProgressBar,
  printJson,
  startProgress,
  writeBytes,
} from '../../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .positional('id', { type: 'string', demandOption: true, describe: 'the job id' })
    .positional('path', {
      type: 'string',
      demandOption: true,
      describe: 'a file inside the job directory, e.g. stdout or results/metrics.csv',
    })
    .option('output', {
      alias: 'o',
      type: 'string',
      describe: 'write to this file (replaced only once every byte has come); default stdout',
    })
    .option('range', {
      type: 'string',
      describe: 'only bytes START-END (both included), or START-',
    })
    .example('$0 jobs output get <id> stdout', "the job's stdout, on stdout")
    .example('$0 jobs output get <id> results/model.bin -o model.bin', 'to a file, with progress')
    .example('$0 jobs output get <id> big.log --range 0-1048575', 'its first MiB');

type GetArgs = HandlerArgs<typeof builder>;

/**
 * `hpcgate jobs output get <id> <path>`: one of the job's files, byte for byte, streamed (never
 * held in memory whole): to stdout, or with `-o` to a file through a temporary one (no partial
 * file on failure), with a progress bar when stderr is a terminal.
 */
export function outputGetCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'get <id> <path>',
    describe: "Download one of the job's files (to stdout, or -o a file)",
    builder,
    handler: async (args) => {
      const range = parseRange(args.range);
      if (args.json && args.output === undefined) {
        throw usage('--json prints what was written, so it needs -o <file>: the bytes go there');
      }
      const client = await clientFor(args, ctx);
      try {
        if (args.output === undefined) await toStdout(client, ctx, args, range);
        else await toFile(client, ctx, args, args.output, range);
      } catch (err) {
        throw explained(err);
      }
    },
  };
}

async function toStdout(client: Hpcgate, ctx: CommandContext, args: GetArgs, range?: ByteRange) {
  const download = await client.jobs.downloadOutput({
    jobId: args.id,
    path: args.path,
    ...(range ? { range } : {}),
  });
  for await (const chunk of download.stream) await writeBytes(ctx.io, chunk as Buffer);
}

async function toFile(
  client: Hpcgate,
  ctx: CommandContext,
  args: GetArgs,
  file: string,
  range?: ByteRange,
) {
  let received = 0;
  let total: number | null = null;
  // Drawn from the first progress on: the answer's headers are in, and with them the size.
  let progress: { stop: () => void } | undefined;
  let done: DownloadedFile;
  try {
    done = await client.jobs.downloadOutputToFile({
      jobId: args.id,
      path: args.path,
      file,
      ...(range ? { range } : {}),
      onProgress: (n, of) => {
        received = n;
        total = of;
        progress ??= startProgress(
          ctx.io,
          ctx.stderrIsTTY,
          () => `${args.path} ${formatProgressBar(received, total)}`,
        );
      },
    });
  } finally {
    progress?.stop();
  }
  if (args.json) printJson(ctx.io, done);
  else ctx.io.stderr(`wrote ${formatBytes(done.bytes)} to ${file}\n`);
}

/** `--range 0-1023` or `--range 1024-`. */
function parseRange(value: string | undefined): ByteRange | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)-(\d*)$/.exec(value.trim());
  const start = Number(m?.[1]);
  const end = m?.[2] ? Number(m[2]) : undefined;
  if (!m || !Number.isSafeInteger(start) || (end !== undefined && !(end >= start))) {
    throw usage('--range takes START-END (bytes, both included) or START-, e.g. 0-1023');
  }
  return end === undefined ? { start } : { start, end };
}

/** The two refusals that a different request fixes are usage errors, said with the fix. */
function explained(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'OUTPUT_TOO_LARGE') {
    return new CliError(
      `${(err as Error).message} (\`--range START-END\` fetches a part)`,
      ExitCode.USAGE,
    );
  }
  if (code === 'RANGE_NOT_SATISFIABLE') return new CliError((err as Error).message, ExitCode.USAGE);
  return err;
}
