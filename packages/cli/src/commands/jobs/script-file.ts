import { type CommandContext, readStdinFor, STDIN_ARG } from '../../context.js';
import { usage } from '../../errors.js';

/** A batch script named on the command line: a file, or `-` for stdin; unreadable is a usage error. */
export async function readScript(path: string, ctx: CommandContext): Promise<string> {
  if (path === STDIN_ARG) return readStdinFor(ctx, 'the script');
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw usage(`cannot read ${path}: ${err.code ?? err.message}`);
  });
}
