import { AuthUnavailableError } from './errors.js';
import { fetchJson, isObject } from './http.js';

/** The parts of an OpenID Provider's metadata the gateway uses. */
export interface ProviderMetadata {
  issuer: string;
  jwksUri: string;
  introspectionEndpoint: string | null;
}

/**
 * OIDC discovery (OpenID Connect Discovery 1.0 §4): `${issuer}/.well-known/openid-configuration`.
 * The document must name the configured issuer exactly. A successful answer is kept for the life
 * of the process; a failed one is retried by the next caller (concurrent callers share one fetch).
 */
export class OidcDiscovery {
  readonly url: string;
  private cached: ProviderMetadata | undefined;
  private pending: Promise<ProviderMetadata> | undefined;

  constructor(
    private readonly issuer: string,
    private readonly timeoutMs: number,
  ) {
    this.url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  }

  metadata(): Promise<ProviderMetadata> {
    if (this.cached) return Promise.resolve(this.cached);
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetch(): Promise<ProviderMetadata> {
    const { status, body } = await fetchJson(this.url, {}, this.timeoutMs);
    if (status !== 200 || !isObject(body)) {
      throw new AuthUnavailableError(`${this.url} answered ${status} without a discovery document`);
    }
    if (body.issuer !== this.issuer) {
      throw new AuthUnavailableError(
        `${this.url} names issuer ${JSON.stringify(body.issuer)}, not ${JSON.stringify(this.issuer)}`,
      );
    }
    const jwksUri = this.endpoint(body.jwks_uri, 'jwks_uri');
    if (jwksUri === null) throw new AuthUnavailableError(`${this.url} has no jwks_uri`);
    const metadata: ProviderMetadata = {
      issuer: this.issuer,
      jwksUri,
      introspectionEndpoint: this.endpoint(body.introspection_endpoint, 'introspection_endpoint'),
    };
    this.cached = metadata;
    return metadata;
  }

  /** An endpoint from the document: an http(s) URL, and https whenever the issuer is https. */
  private endpoint(value: unknown, name: string): string | null {
    if (value === undefined || value === null) return null;
    let url: URL;
    try {
      url = new URL(String(value));
    } catch {
      throw new AuthUnavailableError(`${this.url}: ${name} is not a URL`);
    }
    const ok =
      url.protocol === 'https:' ||
      (url.protocol === 'http:' && new URL(this.issuer).protocol === 'http:');
    if (!ok) throw new AuthUnavailableError(`${this.url}: ${name} must be https`);
    return url.href;
  }
}
