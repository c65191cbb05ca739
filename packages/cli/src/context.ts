import { isatty } from 'node:tty';
import type { Hpcgate } from '@hpcgate/sdk';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { resolveSettings } from './config.js';
import { usage } from './errors.js';
import { type Io, processIo } from './output.js';

export interface GlobalArgs {
  url?: string;
  profile?: string;
  json: boolean;
}

/** What every command handler receives besides its arguments; tests inject each part. */
export interface CommandContext {
  io: Io;
  env: NodeJS.ProcessEnv;
  /** All of stdin, as text (for `-`). */
  readStdin: () => Promise<string>;
  /** Prompts and progress are for a person at a terminal only. */
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Asks one question on the terminal and resolves to the answer. */
  prompt: (question: string) => Promise<string>;
}

export function processContext(): CommandContext {
  return {
    io: processIo,
    env: process.env,
    readStdin: async () => {
      let text = '';
      process.stdin.setEncoding('utf8');
      for await (const chunk of process.stdin) text += chunk;
      return text;
    },
    // isatty, not process.stdin.isTTY: asking must not open the stdin stream.
    stdinIsTTY: isatty(0),
    stderrIsTTY: isatty(2),
    prompt: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // Ctrl-C or Ctrl-D answers nothing, which aborts, rather than leave the question hanging.
      const nothing = new Promise<string>((resolve) => {
        rl.once('SIGINT', () => resolve(''));
        rl.once('close', () => resolve(''));
      });
      try {
        return await Promise.race([rl.question(question), nothing]);
      } finally {
        rl.close();
      }
    },
  };
}

/**
 * A lone `-` (read stdin) as main() hands it to yargs, which would otherwise drop it from
 * positionals. argv can never contain NUL, so this cannot collide with a real argument.
 */
export const STDIN_ARG = '\u0000-';

/** The SDK client for the resolved gateway; the SDK (and axios) load only when a command needs them. */
export async function clientFor(args: GlobalArgs, ctx: CommandContext): Promise<Hpcgate> {
  const settings = await resolveSettings(args, ctx.env);
  if (!settings.url) {
    throw usage('no gateway URL: pass --url, set HPCGATE_URL or run `hpcgate config set --url`');
  }
  const { Hpcgate } = await import('@hpcgate/sdk');
  return new Hpcgate({ baseUrl: settings.url, token: settings.token });
}

/** The arguments a command's builder declares: `CommandModule<GlobalArgs, ArgsOf<typeof builder>>`. */
export type ArgsOf<B> = B extends (y: Argv<GlobalArgs>) => Argv<infer A> ? A : never;

/** What its handler receives (with camelCase aliases such as `whatIf`). */
export type HandlerArgs<B> = ArgumentsCamelCase<ArgsOf<B>>;

/** stdin for `-`; on a terminal, says that it waits for input rather than look hung. */
export async function readStdinFor(ctx: CommandContext, what: string): Promise<string> {
  if (ctx.stdinIsTTY) ctx.io.stderr(`reading ${what} from the terminal; end it with Ctrl-D\n`);
  return ctx.readStdin();
}
