import type { Tokens } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { profileName, readConfig, type SignIn, updateConfig } from '../../config.js';
import { type ArgsOf, type CommandContext, type GlobalArgs, readStdinFor } from '../../context.js';
import { usage } from '../../errors.js';
import { cell, printJson } from '../../output.js';

export const DEFAULT_CLIENT_ID = 'hpcgate-cli';
export const DEFAULT_SCOPE = 'openid offline_access';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('issuer', {
      type: 'string',
      describe: "OpenID issuer URL (default: $HPCGATE_ISSUER, the profile's)",
    })
    .option('client-id', {
      type: 'string',
      describe: `OAuth client (default: $HPCGATE_CLIENT_ID, else ${DEFAULT_CLIENT_ID})`,
    })
    .option('scope', {
      type: 'string',
      describe: `scopes to ask for (default: ${DEFAULT_SCOPE} for a person)`,
    })
    .option('client-credentials', {
      type: 'boolean',
      describe: 'sign in as a machine client, with its secret',
    })
    .option('client-secret-stdin', {
      type: 'boolean',
      describe: 'read the secret from stdin (else $HPCGATE_CLIENT_SECRET)',
    })
    .implies('client-secret-stdin', 'client-credentials')
    .example('$0 login --issuer https://sso.example.org/realms/hpc', 'sign in in a browser')
    .example(
      'printenv SECRET | $0 login --client-credentials --client-id ci --client-secret-stdin',
      'a machine client',
    )
    .epilogue(
      'A person signs in with the device authorization grant: open the URL shown, enter the code. ' +
        "The tokens (and a machine client's secret) are saved in the profile, mode 0600, and " +
        'renewed automatically. The secret is never taken from argv: other users can see it.',
    );

/** `hpcgate login`: OAuth device authorization grant, or client credentials. */
export function loginCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'login',
    describe: 'Sign in at the identity provider; the profile keeps the tokens',
    builder,
    handler: async (args) => {
      const config = await readConfig(ctx.env);
      const profile = profileName(args.profile, ctx.env, config);
      const issuer = args.issuer || ctx.env.HPCGATE_ISSUER || config.profiles[profile]?.issuer;
      if (!issuer) {
        throw usage(
          'no issuer: pass --issuer or set HPCGATE_ISSUER (login saves it in the profile)',
        );
      }
      if (!/^https?:\/\//.test(issuer) || !URL.canParse(issuer)) {
        throw usage(`not an issuer URL: ${issuer}`);
      }
      if (issuer.startsWith('http:') && !isLoopback(new URL(issuer).hostname)) {
        throw usage(`the issuer must use https (plain http only on a loopback address): ${issuer}`);
      }
      const clientId =
        args.clientId ||
        ctx.env.HPCGATE_CLIENT_ID ||
        (args.clientCredentials ? undefined : DEFAULT_CLIENT_ID);
      if (!clientId) throw usage('--client-credentials needs --client-id (or $HPCGATE_CLIENT_ID)');

      const signIn = args.clientCredentials
        ? await machineSignIn(ctx, issuer, clientId, args.scope, args.clientSecretStdin)
        : await personSignIn(ctx, issuer, clientId, args.scope || DEFAULT_SCOPE);

      const path = await updateConfig(ctx.env, (c) => {
        c.profiles[profile] = { ...c.profiles[profile], issuer };
        c.signIns = { ...c.signIns, [profile]: signIn };
        if (!c.defaultProfile) c.defaultProfile = profile;
      });
      const { decodeJwtClaims } = await import('@hpcgate/sdk');
      const claims = decodeJwtClaims(signIn.accessToken ?? '');
      const user = claims?.preferred_username ?? claims?.sub;
      const name = typeof user === 'string' ? user : 'an unnamed identity';
      if (args.json) {
        printJson(ctx.io, {
          profile,
          path,
          user: typeof user === 'string' ? user : null,
          issuer,
          clientId,
          accessTokenExpiresAt: signIn.accessTokenExpiresAt ?? null,
        });
      } else {
        ctx.io.stderr(`signed in as ${cell(name)} (profile "${profile}", saved in ${path})\n`);
      }
      if (ctx.env.HPCGATE_TOKEN) {
        ctx.io.stderr(
          'note: $HPCGATE_TOKEN is set, and commands send it rather than this sign-in\n',
        );
      }
      if (signIn.grant === 'device' && !signIn.refreshToken) {
        ctx.io.stderr(
          'note: the identity provider gave no refresh token: sign in again when the access token expires\n',
        );
      }
    },
  };
}

/** The device authorization grant: the person approves in a browser, anywhere. */
async function personSignIn(
  ctx: CommandContext,
  issuer: string,
  clientId: string,
  scope: string,
): Promise<SignIn> {
  const { deviceAuthorization } = await import('@hpcgate/sdk');
  const auth = await deviceAuthorization({ issuer, clientId, scope });
  // The identity provider's words reach a terminal: no escape sequences get through.
  ctx.io.stderr(`Open ${cell(auth.verificationUri)} and enter code ${cell(auth.userCode)}\n`);
  if (auth.verificationUriComplete) {
    ctx.io.stderr(`or open ${cell(auth.verificationUriComplete)}\n`);
  }
  ctx.io.stderr(
    `waiting for the sign-in to be approved (the code expires in ${Math.round(auth.expiresIn / 60)} min)…\n`,
  );
  const tokens = await auth.wait();
  return stored({ grant: 'device', issuer, clientId }, tokens);
}

/** The client credentials grant: one token request checks the secret before it is saved. */
async function machineSignIn(
  ctx: CommandContext,
  issuer: string,
  clientId: string,
  scope: string | undefined,
  fromStdin: boolean | undefined,
): Promise<SignIn> {
  const secret = fromStdin
    ? (await readStdinFor(ctx, 'the client secret')).trim()
    : ctx.env.HPCGATE_CLIENT_SECRET;
  if (!secret) {
    throw usage('no client secret: set HPCGATE_CLIENT_SECRET or pass --client-secret-stdin');
  }
  const { clientCredentials } = await import('@hpcgate/sdk');
  let tokens: Tokens | undefined;
  const provider = clientCredentials({
    issuer,
    clientId,
    clientSecret: secret,
    ...(scope ? { scope } : {}),
    onToken: (t) => {
      tokens = t;
    },
  });
  await provider();
  return stored({ grant: 'client_credentials', issuer, clientId, clientSecret: secret }, tokens!);
}

function stored(base: SignIn, tokens: Tokens): SignIn {
  const signIn: SignIn = { ...base, accessToken: tokens.accessToken };
  if (tokens.expiresAt) signIn.accessTokenExpiresAt = tokens.expiresAt.toISOString();
  if (tokens.refreshToken) signIn.refreshToken = tokens.refreshToken;
  return signIn;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
