import { isatty } from 'node:tty';
import type {
  Hpcgate,
  OidcTokenProvider,
  TokenProvider,
  TokenRequestOptions,
  Tokens,
} from '@hpcgate/sdk';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import {
  readConfig,
  resolveSettings,
  type SignIn,
  updateConfig,
  withConfigLock,
} from './config.js';
import { CliError, ExitCode, usage } from './errors.js';
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
  if (settings.signIn) {
    const tokenProvider = await signInTokenProvider(ctx.env, settings.profile, settings.signIn);
    return new Hpcgate({ baseUrl: settings.url, tokenProvider });
  }
  return new Hpcgate({ baseUrl: settings.url, token: settings.token });
}

/**
 * Tokens from the profile's stored sign-in: the saved access token while it is fresh (no request
 * to the identity provider, and openid-client is not even loaded), then a new one from the
 * refresh token (a person) or the client secret (a machine client). A renewal holds the config
 * lock and starts from the tokens saved last, so commands run in parallel renew once and share
 * the result; each renewal is saved back (mode 0600), since refresh tokens rotate.
 */
export async function signInTokenProvider(
  env: NodeJS.ProcessEnv,
  profile: string,
  signIn: SignIn,
): Promise<TokenProvider> {
  const sdk = await import('@hpcgate/sdk');
  const same = (s: SignIn | undefined): s is SignIn =>
    !!s && s.grant === signIn.grant && s.issuer === signIn.issuer && s.clientId === signIn.clientId;
  // What this command knows: the stored sign-in, then what it renewed or read back.
  let known = signIn;
  const save = async (tokens: Tokens) => {
    known = {
      ...known,
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: tokens.expiresAt?.toISOString(),
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    };
    if (!known.accessTokenExpiresAt) delete known.accessTokenExpiresAt;
    await updateConfig(env, (config) => {
      // Signed out, or in elsewhere, meanwhile: leave that alone.
      if (same(config.signIns?.[profile])) config.signIns = { ...config.signIns, [profile]: known };
    });
  };
  const providerFor = (s: SignIn): OidcTokenProvider | TokenProvider => {
    const common = {
      issuer: s.issuer,
      clientId: s.clientId,
      accessToken: s.accessToken,
      accessTokenExpiresAt: s.accessTokenExpiresAt,
    };
    if (s.grant === 'client_credentials' && s.clientSecret) {
      return sdk.clientCredentials({ ...common, clientSecret: s.clientSecret, onToken: save });
    }
    if (s.grant === 'device' && s.refreshToken) {
      return sdk.refreshToken({ ...common, refreshToken: s.refreshToken, onRotate: save });
    }
    if (s.accessToken) return sdk.staticToken(s.accessToken);
    throw new CliError('not signed in: run `hpcgate login`', ExitCode.AUTH);
  };
  let provider = providerFor(known);
  let renewal: Promise<string> | undefined;
  const renew = (request: TokenRequestOptions) =>
    withConfigLock(env, async () => {
      // Another command may have renewed meanwhile: start from what it saved.
      const saved = (await readConfig(env)).signIns?.[profile];
      if (same(saved)) known = saved;
      provider = providerFor(known);
      return provider(request);
    });
  return async (request = {}) => {
    const cached = 'cached' in provider ? provider.cached() : undefined;
    if (cached && cached !== request.rejected) return cached;
    if (!('cached' in provider)) return provider(request);
    if (!renewal) {
      renewal = renew(request);
      const done = () => {
        renewal = undefined;
      };
      renewal.then(done, done);
    }
    try {
      return await renewal;
    } catch (err) {
      if (err instanceof sdk.AuthenticationError) {
        throw new CliError(
          `the identity provider refused the stored sign-in of profile "${profile}" (${err.code}): run \`hpcgate login\` again`,
          ExitCode.AUTH,
        );
      }
      throw err;
    }
  };
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
