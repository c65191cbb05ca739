import type * as OpenIdClient from 'openid-client';
import { AuthUnavailableError } from '../auth/errors.js';
import type { AuthConfig, WebConfig } from '../config/schema.js';

/**
 * openid-client, loaded on the first sign-in (or sign-out): a gateway nobody signs in to through
 * the page never holds it (~3 MB of RSS).
 */
let loaded: Promise<typeof OpenIdClient> | undefined;
const openIdClient = () => {
  loaded ??= import('openid-client');
  return loaded;
};

/** The provider's tokens for one browser, as the gateway keeps them (sealed). */
export interface ProviderTokens {
  accessToken: string;
  refreshToken?: string;
}

/** What the callback must check against the login it finishes. */
export interface LoginChecks {
  codeVerifier: string;
  state: string;
  nonce: string;
}

/** The provider refused the code or the refresh token (not an outage): the sign-in is over. */
export class SignInRefusedError extends Error {
  override name = 'SignInRefusedError';
}

/**
 * The gateway as the web page's OIDC client (openid-client): authorization code with PKCE, the
 * code exchanged and tokens refreshed from the server, never in the browser. The provider's
 * metadata comes from discovery, fetched on first use and again after a failure.
 */
export class OidcSignIn {
  private config: Promise<OpenIdClient.Configuration> | undefined;

  constructor(
    private readonly auth: AuthConfig,
    private readonly web: WebConfig,
  ) {}

  /** A fresh login's secrets: the PKCE verifier, state and nonce. */
  static async newChecks(): Promise<LoginChecks> {
    const oidc = await openIdClient();
    return {
      codeVerifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
    };
  }

  async authorizationUrl(redirectUri: string, checks: LoginChecks): Promise<URL> {
    const oidc = await openIdClient();
    const config = await this.configuration();
    return oidc.buildAuthorizationUrl(config, {
      ...this.web.authorizationParams,
      redirect_uri: redirectUri,
      scope: this.web.scopes.join(' '),
      state: checks.state,
      nonce: checks.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(checks.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the callback's code (state, nonce, PKCE and the ID token checked). */
  async exchange(callbackUrl: URL, checks: LoginChecks): Promise<ProviderTokens> {
    const oidc = await openIdClient();
    const config = await this.configuration();
    const tokens = await this.call(() =>
      oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: this.web.scopes.includes('openid'),
      }),
    );
    return {
      accessToken: tokens.access_token,
      ...(tokens.refresh_token && { refreshToken: tokens.refresh_token }),
    };
  }

  /** New tokens from a refresh token (the old refresh token stays when the provider sends none). */
  async refresh(tokens: ProviderTokens): Promise<ProviderTokens> {
    if (!tokens.refreshToken) throw new SignInRefusedError('no refresh token');
    const oidc = await openIdClient();
    const config = await this.configuration();
    const fresh = await this.call(() => oidc.refreshTokenGrant(config, tokens.refreshToken!));
    return {
      accessToken: fresh.access_token,
      refreshToken: fresh.refresh_token ?? tokens.refreshToken,
    };
  }

  /**
   * The provider's sign-out page for this browser, or null when it has none. It names the client
   * (RP-Initiated Logout's `client_id`), not the ID token: the URL passes through the page and
   * the browser's history, and no token should.
   */
  async endSessionUrl(postLogoutUri: string): Promise<string | null> {
    const oidc = await openIdClient();
    const config = await this.configuration().catch(() => undefined);
    if (!config?.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(config, {
      client_id: this.web.clientId,
      post_logout_redirect_uri: postLogoutUri,
    }).href;
  }

  private configuration(): Promise<OpenIdClient.Configuration> {
    this.config ??= openIdClient()
      .then((oidc) =>
        oidc.discovery(new URL(this.auth.issuer), this.web.clientId, undefined, oidc.None(), {
          timeout: Math.ceil(this.auth.httpTimeoutMs / 1000),
          // An http issuer is the operator's own choice (loopback development).
          ...(this.auth.issuer.startsWith('http:') && { execute: [oidc.allowInsecureRequests] }),
        }),
      )
      .catch((err: unknown) => {
        this.config = undefined;
        throw new AuthUnavailableError(`OIDC discovery for sign-in failed: ${describe(err)}`);
      });
    return this.config;
  }

  /**
   * The provider's "no" (a 4xx error answer, but 429) and an answer openid-client's checks refuse
   * (state, nonce, ID token) end the sign-in; anything else (network, 5xx, 429) is an outage, which
   * must never end a session.
   */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    const oidc = await openIdClient();
    try {
      return await fn();
    } catch (err) {
      if (err instanceof oidc.ResponseBodyError) {
        if (err.status >= 400 && err.status < 500 && err.status !== 429) {
          throw new SignInRefusedError(`${err.error}: ${err.error_description ?? ''}`.trim());
        }
        throw new AuthUnavailableError(`OIDC token endpoint answered ${err.status} ${err.error}`);
      }
      if (err instanceof oidc.AuthorizationResponseError) {
        throw new SignInRefusedError(err.error);
      }
      const code = err instanceof Error && 'code' in err ? String(err.code) : '';
      if (REFUSED_ANSWERS.has(code)) {
        throw new SignInRefusedError(`${code}: ${(err as Error).message}`);
      }
      throw new AuthUnavailableError(`OIDC token endpoint: ${describe(err)}`);
    }
  }
}

/** openid-client's checks of an answer that arrived: the answer is refused, not the provider down. */
const REFUSED_ANSWERS = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
  'OAUTH_INVALID_RESPONSE',
  'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
]);

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
