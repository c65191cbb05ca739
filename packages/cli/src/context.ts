import { Hpcgate } from '@hpcgate/sdk';
import { CliError, ExitCode } from './errors.js';
import type { Io } from './output.js';

export interface GlobalArgs {
  url?: string;
  json: boolean;
}

/** What every command handler receives: the parsed global options, the client and the output. */
export interface CommandContext {
  io: Io;
  env: NodeJS.ProcessEnv;
}

export function clientFor(args: GlobalArgs, ctx: CommandContext): Hpcgate {
  const baseUrl = args.url ?? ctx.env.HPCGATE_URL;
  if (!baseUrl) {
    throw new CliError('no gateway URL: pass --url or set HPCGATE_URL', ExitCode.USAGE);
  }
  return new Hpcgate({ baseUrl, token: ctx.env.HPCGATE_TOKEN });
}
