import type * as OpenidClient from 'openid-client';
import { HpcgateError } from '../core/errors.js';
import { toIdpError } from './errors.js';
import type { IdpOptions, Tokens } from './types.js';

type Oc = typeof OpenidClient;
export type TokenResponse = OpenidClient.TokenEndpointResponse;

let openidClient: Promise<Oc> | undefined;

/** openid-client (and jose) load on the first request to an identity provider, not before. */
export function loadOpenidClient(): Promise<Oc> {
  openidClient ??= import('openid-client');
  return openidClient;
}

export interface IdpClientOptions extends IdpOptions {
  /** A confidential client's secret; a public client (device flow) has none. */
  clientSecret?: string;
  /** How a confidential client authenticates. Default `client_secret_basic` (HTTP Basic). */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
}

/**
 * One client of one identity provider: discovery once (again after a failure), then grants.
 * Every failure is mapped to the SDK's hierarchy, with the secrets it holds cut out.
 */
export class IdpClient {
  readonly issuer: URL;
  private configuration: Promise<OpenidClient.Configuration> | undefined;

  constructor(private readonly options: IdpClientOptions) {
    this.issuer = parseIssuer(options.issuer);
  }

  /** Runs `fn` with openid-client and the discovered configuration; maps its errors. */
  async call<T>(
    fn: (oc: Oc, config: OpenidClient.Configuration) => Promise<T>,
    secrets: readonly (string | undefined)[] = [],
  ): Promise<T> {
    const known = [this.options.clientSecret, ...secrets].filter((s): s is string => !!s);
    try {
      const oc = await loadOpenidClient();
      return await fn(oc, await this.discover(oc));
    } catch (err) {
      throw toIdpError(err, this.issuer, known);
    }
  }

  private discover(oc: Oc): Promise<OpenidClient.Configuration> {
    if (!this.configuration) {
      const { clientId, clientSecret, clientAuthMethod, timeoutMs, fetch } = this.options;
      const auth = !clientSecret
        ? oc.None()
        : clientAuthMethod === 'client_secret_post'
          ? oc.ClientSecretPost(clientSecret)
          : oc.ClientSecretBasic(clientSecret);
      const insecure = this.options.allowInsecureRequests ?? isLoopback(this.issuer);
      const options: OpenidClient.DiscoveryRequestOptions = {
        execute: insecure ? [oc.allowInsecureRequests] : [],
        timeout: Math.max(1, Math.ceil((timeoutMs ?? 30_000) / 1000)),
      };
      if (fetch) options[oc.customFetch] = (url, init) => fetch(url, init as RequestInit);
      this.configuration = oc.discovery(this.issuer, clientId, undefined, auth, options);
      // A failed discovery is not remembered: the next call tries again.
      this.configuration.catch(() => {
        this.configuration = undefined;
      });
    }
    return this.configuration;
  }
}

/** The token endpoint's answer, in the SDK's words; `now` is when the request was sent. */
export function toTokens(res: TokenResponse, now: number): Tokens {
  const tokens: Tokens = { accessToken: res.access_token, tokenType: res.token_type };
  if (typeof res.expires_in === 'number') tokens.expiresAt = new Date(now + res.expires_in * 1000);
  if (res.refresh_token) tokens.refreshToken = res.refresh_token;
  if (res.id_token) tokens.idToken = res.id_token;
  if (res.scope) tokens.scope = res.scope;
  return tokens;
}

function parseIssuer(issuer: string | URL): URL {
  try {
    return new URL(issuer);
  } catch {
    throw new HpcgateError(`not an issuer URL: ${String(issuer)}`);
  }
}

export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
