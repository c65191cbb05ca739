import { HpcgateError } from '../core/errors.js';
import { type Obtained, TokenCache } from './cache.js';
import { IdpClient, type IdpClientOptions, toTokens } from './idp.js';
import type {
  CachedTokenOptions,
  IdpOptions,
  OidcTokenProvider,
  TokenProvider,
  Tokens,
} from './types.js';

/** The same token for every request (e.g. one from `$HPCGATE_TOKEN`). */
export function staticToken(token: string): TokenProvider {
  if (!token) throw new HpcgateError('staticToken: the token is empty');
  return () => token;
}

export interface ClientCredentialsOptions extends IdpOptions, CachedTokenOptions {
  clientSecret: string;
  /** Default `client_secret_basic` (HTTP Basic). */
  clientAuthMethod?: IdpClientOptions['clientAuthMethod'];
  scope?: string;
  /** Sent as `audience` (Auth0, Keycloak's token exchange…); leave out when the IdP needs none. */
  audience?: string;
  /** Sent as `resource` (RFC 8707 resource indicator). */
  resource?: string;
  /** Called with every new token set (e.g. to save the access token), before it is used. */
  onToken?: (tokens: Tokens) => void | Promise<void>;
}

/**
 * For automation: the client credentials grant of a confidential client. The access token is
 * cached and renewed shortly before it expires; concurrent calls share one token request.
 */
export function clientCredentials(options: ClientCredentialsOptions): OidcTokenProvider {
  if (!options.clientSecret)
    throw new HpcgateError('clientCredentials: the client secret is empty');
  const idp = new IdpClient(options);
  const parameters: Record<string, string> = {};
  if (options.scope) parameters.scope = options.scope;
  if (options.audience) parameters.audience = options.audience;
  if (options.resource) parameters.resource = options.resource;
  const cache = new TokenCache(async () => {
    const sent = Date.now();
    const res = await idp.call((oc, config) => oc.clientCredentialsGrant(config, parameters));
    const tokens = toTokens(res, sent);
    await options.onToken?.(tokens);
    return obtained(tokens, sent);
  }, options);
  return provider(cache);
}

export interface RefreshTokenOptions extends IdpOptions, CachedTokenOptions {
  refreshToken: string;
  /** Only for a confidential client; the device flow's public client has none. */
  clientSecret?: string;
  /** Ask for a narrower scope than the grant's (leave out to keep it). */
  scope?: string;
  /**
   * Called after every refresh with the new tokens, before they are used; `refreshToken` is the
   * one to keep (the identity provider's new one when it rotates them, else the same). Save it:
   * a rotated refresh token is single-use.
   */
  onRotate?: (tokens: Tokens & { refreshToken: string }) => void | Promise<void>;
}

/**
 * For a person signed in before (e.g. `hpcgate login`): the refresh token grant. The access token
 * is cached and renewed shortly before it expires; concurrent calls share one refresh.
 */
export function refreshToken(options: RefreshTokenOptions): OidcTokenProvider {
  if (!options.refreshToken) throw new HpcgateError('refreshToken: the refresh token is empty');
  const idp = new IdpClient(options);
  let current = options.refreshToken;
  const parameters: Record<string, string> = {};
  if (options.scope) parameters.scope = options.scope;
  const cache = new TokenCache(async () => {
    const sent = Date.now();
    const used = current;
    const res = await idp.call(
      (oc, config) => oc.refreshTokenGrant(config, used, parameters),
      [used],
    );
    const tokens = { ...toTokens(res, sent), refreshToken: res.refresh_token ?? used };
    current = tokens.refreshToken;
    await options.onRotate?.(tokens);
    return obtained(tokens, sent);
  }, options);
  return provider(cache);
}

function obtained(tokens: Tokens, sent: number): Obtained {
  return { token: tokens.accessToken, expiresAt: tokens.expiresAt?.getTime(), issuedAt: sent };
}

function provider(cache: TokenCache): OidcTokenProvider {
  const fn = ((request) => cache.get(request)) as OidcTokenProvider;
  fn.invalidate = () => cache.invalidate();
  fn.cached = () => cache.peek();
  return fn;
}
