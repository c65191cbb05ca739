import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from 'jose';
import type { AuthConfig } from '../config/schema.js';
import { OidcDiscovery } from './discovery.js';
import { AuthenticationError, AuthUnavailableError } from './errors.js';
import { fetchJson, isObject } from './http.js';
import { type IntrospectionAnswer, TokenCache } from './token-cache.js';

export { AuthenticationError, AuthUnavailableError } from './errors.js';

/** Who a verified token says the caller is. */
export interface Identity {
  username: string;
  /** Holds the configured admin claim value: may read and stop every user's job. */
  isAdmin: boolean;
  /**
   * `client` for a client-credentials token (a bot: its `sub` is its `client_id`, RFC 9068),
   * `user` for a person. Bots get a Unix account only where the config names one for them.
   */
  kind: 'user' | 'client';
  /** The verified token's claims (kept in memory only), for claim-based account mapping. */
  claims: Readonly<Record<string, unknown>>;
}

export interface VerifyOptions {
  /**
   * Called just before the token is sent to the introspection endpoint (an opaque token whose
   * answer is neither cached nor already being fetched); may throw to refuse the request without
   * asking the identity provider (the per-client rate limit does).
   */
  beforeIntrospection?: () => void;
}

const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*)$/i;
/** Verified JWTs remembered at most (by their hash; the least recently used go first). */
const VERIFIED_JWTS_KEPT = 10_000;
const MAX_USERNAME = 256;

/**
 * Errors a key source throws that are the token's fault (it names no known key, or an unusable
 * algorithm): 401. Anything else thrown while getting a key (network, timeout, a malformed JWKS)
 * is the key source's fault: 503.
 */
const TOKEN_FAULTS = new Set([
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JWS_INVALID',
]);

/**
 * Verifies bearer tokens. JWTs: signature by a key of the configured JWKS (file, URL or OIDC
 * discovery), an allow-listed asymmetric algorithm, `iss`, `aud`, `exp` (required), `nbf`, with
 * clock skew, and at least `minRemainingSec` of lifetime left. Other tokens: RFC 7662
 * introspection when configured (`active`, `iss`, `aud`, and `exp`/`nbf` when given).
 */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly discovery: OidcDiscovery | undefined;
  private readonly options: JWTVerifyOptions;
  private readonly introspected: TokenCache | undefined;
  /**
   * Verified JWTs' claims, until the token's `exp` and at most as long as a fetched key set is
   * used (a key dropped from the set stops being honoured as late as it would without the cache).
   */
  private readonly verifiedJwts: TokenCache;
  /** JWT verifications under way, by cache key: concurrent requests with one token share one. */
  private readonly verifying = new Map<string, Promise<JWTPayload>>();
  /** Introspections under way, by cache key: concurrent requests with one token share one. */
  private readonly introspecting = new Map<string, Promise<IntrospectionAnswer>>();

  constructor(private readonly config: AuthConfig) {
    const ic = config.introspection;
    this.introspected = ic
      ? new TokenCache({
          maxAgeMs: ic.cacheMaxAgeSec * 1000,
          negativeMs: ic.cacheNegativeSec * 1000,
          maxEntries: ic.cacheMaxEntries,
        })
      : undefined;
    this.verifiedJwts = new TokenCache({
      maxAgeMs: config.jwksCacheMaxAgeSec * 1000,
      negativeMs: 0,
      maxEntries: VERIFIED_JWTS_KEPT,
    });
    const needsDiscovery =
      config.discovery || (config.introspection !== undefined && !config.introspection.endpoint);
    this.discovery = needsDiscovery
      ? new OidcDiscovery(config.issuer, config.httpTimeoutMs)
      : undefined;
    this.options = {
      issuer: config.issuer,
      audience: config.audience,
      algorithms: [...config.algorithms],
      clockTolerance: config.clockToleranceSec,
      requiredClaims: ['exp'],
    };
    if (config.jwksFile) {
      const jwks = JSON.parse(readFileSync(config.jwksFile, 'utf8')) as JSONWebKeySet;
      this.keys = createLocalJWKSet(jwks);
    } else if (config.jwksUrl) {
      this.keys = this.remoteKeys(config.jwksUrl);
    } else {
      // Discovery: the remote set is made once the document names its jwks_uri.
      let remote: JWTVerifyGetKey | undefined;
      const discovery = this.discovery!;
      this.keys = async (header, token) => {
        remote ??= this.remoteKeys((await discovery.metadata()).jwksUri);
        return remote(header, token);
      };
    }
  }

  /**
   * Resolves to the caller's identity, or rejects with an AuthenticationError (401) or an
   * AuthUnavailableError (503). Neither names the token.
   */
  async verify(authorization: string | undefined, opts: VerifyOptions = {}): Promise<Identity> {
    const m = BEARER.exec(authorization ?? '');
    if (!m) throw new AuthenticationError('missing bearer token');
    const token = m[1]!;
    const key = TokenCache.keyOf(token);
    // A JWT verified before: its claims, without looking at the token again (the same text
    // verified once verifies again, until the cache drops it).
    const known = this.verifiedJwts.get(key);
    if (known) {
      // Its signature, issuer, audience and times were checked; its remaining life is not yet.
      this.checkRemainingLifetime(known.exp);
      return this.identity(known);
    }
    const claims = looksLikeJwt(token)
      ? await this.verifyJwt(token, key)
      : await this.introspect(token, key, opts);
    return this.identity(claims);
  }

  /** A remote JWKS (jose caches it, and refetches on an unknown kid after the cooldown). */
  private remoteKeys(url: string): JWTVerifyGetKey {
    const remote = createRemoteJWKSet(new URL(url), {
      cacheMaxAge: this.config.jwksCacheMaxAgeSec * 1000,
      cooldownDuration: this.config.jwksCooldownSec * 1000,
      timeoutDuration: this.config.httpTimeoutMs,
    });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== undefined && TOKEN_FAULTS.has(code)) throw err;
        throw new AuthUnavailableError(`JWKS ${url}: ${describe(err)}`);
      }
    };
  }

  /**
   * A JWT not in the cache: verified once however many requests bring it at the same time (a
   * client's first burst on 50 connections would otherwise check its signature 50 times).
   */
  private verifyJwt(token: string, key: string): Promise<JWTPayload> {
    return shared(this.verifying, key, () => this.verifyJwtNow(token, key));
  }

  private async verifyJwtNow(token: string, key: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      payload = await this.jwtVerifyAnyKey(token);
    } catch (err) {
      if (err instanceof AuthUnavailableError) throw err;
      throw new AuthenticationError(
        `invalid token (${(err as { code?: string }).code ?? 'rejected'})`,
      );
    }
    this.checkRemainingLifetime(payload.exp);
    this.verifiedJwts.set(key, payload);
    return payload;
  }

  /** jwtVerify; when the key set has several candidate keys (same kid), each is tried. */
  private async jwtVerifyAnyKey(token: string): Promise<JWTPayload> {
    try {
      return (await jwtVerify(token, this.keys, this.options)).payload;
    } catch (err) {
      if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
      for await (const key of err) {
        try {
          return (await jwtVerify(token, key, this.options)).payload;
        } catch (inner) {
          if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
        }
      }
      throw new errors.JWSSignatureVerificationFailed();
    }
  }

  private checkRemainingLifetime(exp: unknown): void {
    if (typeof exp !== 'number') return;
    const remaining = exp - Math.floor(Date.now() / 1000);
    if (remaining < this.config.minRemainingSec) {
      throw new AuthenticationError(
        `invalid token (expires in less than ${this.config.minRemainingSec} s; get a new one)`,
      );
    }
  }

  /**
   * RFC 7662, with the answer cached (see TokenCache) and concurrent requests for one token
   * sharing one call. The answer's claims are checked on every use, cached or not, so a cached
   * token still stops being accepted at its `exp` (less `minRemainingSec`).
   */
  private async introspect(
    token: string,
    key: string,
    opts: VerifyOptions,
  ): Promise<Record<string, unknown>> {
    if (!this.config.introspection || !this.introspected) {
      throw new AuthenticationError('invalid token (not a JWT)');
    }
    let answer = this.introspected.get(key);
    if (answer === undefined) {
      const cache = this.introspected;
      answer = await shared(this.introspecting, key, () => {
        opts.beforeIntrospection?.();
        return this.askProvider(token).then((a) => {
          cache.set(key, a);
          return a;
        });
      });
    }
    if (answer === null) throw new AuthenticationError('invalid token (inactive)');
    return this.checkIntrospected(answer);
  }

  /**
   * One introspection request: the token goes to the endpoint with the gateway's client (basic
   * auth). Resolves to the answer's claims when active, `null` when not; an endpoint that cannot
   * be reached or answers nonsense rejects with AuthUnavailableError (never cached).
   */
  private async askProvider(token: string): Promise<IntrospectionAnswer> {
    const cfg = this.config.introspection!;
    const endpoint = cfg.endpoint ?? (await this.discovery!.metadata()).introspectionEndpoint;
    if (!endpoint) {
      throw new AuthUnavailableError('the discovery document names no introspection_endpoint');
    }
    const basic = Buffer.from(
      `${formEncode(cfg.clientId)}:${formEncode(cfg.clientSecret)}`,
    ).toString('base64');
    const { status, body } = await fetchJson(
      endpoint,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      },
      this.config.httpTimeoutMs,
    );
    if (status !== 200 || !isObject(body)) {
      throw new AuthUnavailableError(`introspection ${endpoint} answered ${status}`);
    }
    return body.active === true ? body : null;
  }

  /** An active introspection answer's claims, checked: `iss`, `aud`, `nbf`, `exp`, lifetime left. */
  private checkIntrospected(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
    if (body.iss !== this.config.issuer) throw new AuthenticationError('invalid token (iss)');
    const wanted = [this.config.audience].flat();
    const aud = [body.aud].flat();
    if (!aud.some((a) => typeof a === 'string' && wanted.includes(a))) {
      throw new AuthenticationError('invalid token (aud)');
    }
    const now = Math.floor(Date.now() / 1000);
    const skew = this.config.clockToleranceSec;
    if (typeof body.nbf === 'number' && body.nbf > now + skew) {
      throw new AuthenticationError('invalid token (nbf)');
    }
    if (typeof body.exp === 'number' && body.exp <= now - skew) {
      throw new AuthenticationError('invalid token (exp)');
    }
    this.checkRemainingLifetime(body.exp);
    return body;
  }

  private identity(claims: Record<string, unknown>): Identity {
    const { ownerClaim, ownerFallbackClaim, adminClaim, adminValue } = this.config;
    let name = ownerClaim;
    let owner = claim(claims, ownerClaim);
    if (owner === undefined && ownerFallbackClaim !== null) {
      name = ownerFallbackClaim;
      owner = claim(claims, ownerFallbackClaim);
    }
    if (owner === undefined) {
      const names =
        ownerFallbackClaim === null ? ownerClaim : `${ownerClaim} or ${ownerFallbackClaim}`;
      throw new AuthenticationError(`token has no ${names} claim`);
    }
    if (
      typeof owner !== 'string' ||
      owner.length === 0 ||
      owner.length > MAX_USERNAME ||
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters
      /[\u0000-\u001f\u007f]/.test(owner)
    ) {
      throw new AuthenticationError(`token's ${name} claim is not a usable user name`);
    }
    const roles = adminValue === undefined ? undefined : claim(claims, adminClaim);
    const isAdmin =
      adminValue !== undefined &&
      (roles === adminValue || (Array.isArray(roles) && roles.includes(adminValue)));
    const clientId = claims.client_id ?? claims.azp;
    const kind = typeof clientId === 'string' && claims.sub === clientId ? 'client' : 'user';
    return { username: owner, isAdmin, kind, claims };
  }
}

/** A claim by name; a dotted name not present as such is followed as a path (`realm_access.roles`). */
function claim(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name] ?? undefined;
  if (!name.includes('.')) return undefined;
  let v: unknown = claims;
  for (const part of name.split('.')) {
    if (!isObject(v) || !Object.hasOwn(v, part)) return undefined;
    v = v[part];
  }
  return v ?? undefined;
}

/** A compact JWS: three base64url parts whose first is a JSON object with `alg`. */
function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!)) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    return isObject(header) && typeof header.alg === 'string';
  } catch {
    return false;
  }
}

/**
 * The run of `start` already under way for `key`, or a new one, kept in `inFlight` until it
 * settles: requests that bring one token at the same time share one check of it.
 */
function shared<T>(inFlight: Map<string, Promise<T>>, key: string, start: () => Promise<T>) {
  let pending = inFlight.get(key);
  if (!pending) {
    pending = start().finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before basic authentication. */
function formEncode(s: string): string {
  return new URLSearchParams({ v: s }).toString().slice(2);
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  if (e.code === 'ERR_JWKS_TIMEOUT') return 'timed out';
  return [e.code, e.cause?.code, e.message].filter(Boolean).join(': ') || String(err);
}
