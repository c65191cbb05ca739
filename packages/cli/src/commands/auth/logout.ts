import type { Argv, CommandModule } from 'yargs';
import { profileName, readConfig, updateConfig } from '../../config.js';
import type { ArgsOf, CommandContext, GlobalArgs } from '../../context.js';
import { printJson } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .example('$0 logout', 'forget the sign-in of the profile in use')
    .example('$0 logout --profile prod', 'of another profile')
    .epilogue(
      "Removes the tokens (and a machine client's secret) from the profile, then asks the " +
        'identity provider to revoke the refresh token. The issuer stays, for the next login.',
    );

/** `hpcgate logout`: the profile's sign-in is removed here, and revoked at the IdP if it can be. */
export function logoutCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'logout',
    describe: 'Remove the stored sign-in (tokens, secret) from the profile',
    builder,
    handler: async (args) => {
      const config = await readConfig(ctx.env);
      const profile = profileName(args.profile, ctx.env, config);
      const signIn = config.signIns?.[profile];
      if (!signIn) {
        if (args.json) printJson(ctx.io, { profile, signedOut: false, revoked: false });
        else ctx.io.stderr(`not signed in (profile "${profile}"): nothing to do\n`);
        return;
      }
      // Here first: whatever happens next, the tokens are no longer on this machine.
      await updateConfig(ctx.env, (c) => {
        if (c.signIns) delete c.signIns[profile];
      });
      let revoked = false;
      if (signIn.refreshToken) {
        try {
          const { revokeToken } = await import('@hpcgate/sdk');
          await revokeToken({
            issuer: signIn.issuer,
            clientId: signIn.clientId,
            token: signIn.refreshToken,
            tokenTypeHint: 'refresh_token',
            timeoutMs: 5_000,
          });
          revoked = true;
        } catch (err) {
          ctx.io.stderr(
            `hpcgate: could not revoke the refresh token at the identity provider: ${(err as Error).message}\n`,
          );
        }
      }
      if (args.json) printJson(ctx.io, { profile, signedOut: true, revoked });
      else ctx.io.stderr(`signed out (profile "${profile}")\n`);
    },
  };
}
