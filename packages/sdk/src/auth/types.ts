/** What the request core tells a token provider when it asks for a token. */
export interface TokenRequestOptions {
  /**
   * The gateway answered 401 to this token: return another one if the provider can get one
   * (a provider that has already replaced it returns the replacement without asking again).
   */
  rejected?: string;
}

/** `new Hpcgate({ baseUrl, tokenProvider })`: called for every request (every attempt). */
export type TokenProvider = (options?: TokenRequestOptions) => string | Promise<string>;

/** A token provider backed by an identity provider: the access token is cached and renewed. */
export interface OidcTokenProvider {
  (options?: TokenRequestOptions): Promise<string>;
  /** Forgets the cached access token: the next call asks the identity provider for a new one. */
  invalidate(): void;
  /** The cached access token while it is fresh, else `undefined`; never sends a request. */
  cached(): string | undefined;
}

/** What the identity provider issued, in the SDK's words. */
export interface Tokens {
  accessToken: string;
  /** Usually `bearer` (lower case, as openid-client reports it). */
  tokenType: string;
  /** When the access token expires, if the identity provider said (`expires_in`). */
  expiresAt?: Date;
  /** The refresh token to use next time: the new one when the identity provider rotates them. */
  refreshToken?: string;
  idToken?: string;
  scope?: string;
}

/**
 * `fetch` as the identity provider's requests use it (the global one by default): for a proxy,
 * extra CA certificates, or to observe the requests in tests.
 */
export type IdpFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Where the identity provider is and how to talk to it. */
export interface IdpOptions {
  /** The issuer URL; its OpenID Connect discovery document is read once per provider. */
  issuer: string | URL;
  clientId: string;
  /** Per request to the identity provider. Default 30 s. */
  timeoutMs?: number;
  /**
   * Allow a plain-http issuer. Default: only for loopback addresses (127.0.0.0/8, ::1,
   * localhost), e.g. a development provider; anything else must be https.
   */
  allowInsecureRequests?: boolean;
  fetch?: IdpFetch;
}

/** An access token already held (e.g. saved by a CLI), used until it is about to expire. */
export interface CachedTokenOptions {
  accessToken?: string;
  accessTokenExpiresAt?: Date | number | string;
  /**
   * Renew the access token this many seconds before it expires. Default: 10 % of its
   * lifetime, at most 30 s.
   */
  refreshBeforeExpirySec?: number;
}
