import type { Argv, CommandModule } from 'yargs';
import { resolveSettings } from '../../config.js';
import type { ArgsOf, CommandContext, GlobalArgs } from '../../context.js';
import { CliError, ExitCode } from '../../errors.js';
import { printKeyValue } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .example('$0 whoami', 'who the commands act as, and until when')
    .epilogue(
      'Reads the token the commands would send ($HPCGATE_TOKEN, else the sign-in, else the ' +
        "profile's token) without asking anyone; never prints it. Exit 4 when there is none.",
    );

/** `hpcgate whoami`: the user, issuer and expiry of the token in use (never the token). */
export function whoamiCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'whoami',
    describe: 'Show who you are signed in as, at which issuer, until when',
    builder,
    handler: async (args) => {
      const settings = await resolveSettings(args, ctx.env);
      const { signIn } = settings;
      const token = (signIn ? signIn.accessToken : settings.token) ?? '';
      if (!settings.tokenSource || (!token && !signIn)) {
        throw new CliError(
          `not signed in (profile "${settings.profile}"): run \`hpcgate login\``,
          ExitCode.AUTH,
        );
      }
      const { decodeJwtClaims } = await import('@hpcgate/sdk');
      const claims = decodeJwtClaims(token) ?? {};
      const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
      const exp = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
      const expiresAt = signIn?.accessTokenExpiresAt ? new Date(signIn.accessTokenExpiresAt) : exp;
      const expired = expiresAt ? expiresAt.getTime() <= Date.now() : false;
      // A stored sign-in renews itself; any other token is what it is.
      const renewable = !!(signIn?.refreshToken || signIn?.clientSecret);
      const source =
        settings.tokenSource === 'env'
          ? '$HPCGATE_TOKEN'
          : settings.tokenSource === 'signIn'
            ? `hpcgate login (profile "${settings.profile}")`
            : `token of profile "${settings.profile}"`;
      const info = {
        user: str(claims.preferred_username) ?? str(claims.sub),
        issuer: signIn?.issuer ?? str(claims.iss),
        clientId: signIn?.clientId ?? str(claims.client_id) ?? str(claims.azp),
        expiresAt: expiresAt?.toISOString() ?? null,
        expired,
        renewable,
        source,
        profile: settings.profile,
      };
      const expiry = !expiresAt
        ? 'unknown'
        : `${info.expiresAt}${expired ? (renewable ? ' (expired: renewed on next use)' : ' (expired)') : ''}`;
      printKeyValue(
        ctx.io,
        {
          user: info.user ?? '(not a JWT: unknown)',
          issuer: info.issuer,
          client: info.clientId,
          expires: expiry,
          from: source,
        },
        args.json,
        info,
      );
    },
  };
}
