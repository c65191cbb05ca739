import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { AuthConfig } from '../config/schema.js';

export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

export interface Identity {
  username: string;
}

/** Verifies bearer JWTs: signature by a configured key, allowed algorithm, iss, aud, exp, nbf. */
export class TokenVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly config: AuthConfig) {
    if (config.jwksFile) {
      const jwks = JSON.parse(readFileSync(config.jwksFile, 'utf8')) as JSONWebKeySet;
      this.keys = createLocalJWKSet(jwks);
    } else {
      this.keys = createRemoteJWKSet(new URL(config.jwksUrl!));
    }
  }

  /** Resolves to the caller's identity, or rejects with an AuthenticationError that names no secret. */
  async verify(authorization: string | undefined): Promise<Identity> {
    const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization ?? '');
    if (!m) throw new AuthenticationError('missing bearer token');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(m[1]!, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clockToleranceSec,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new AuthenticationError(
        `invalid token (${(err as { code?: string }).code ?? 'rejected'})`,
      );
    }
    const owner = payload[this.config.ownerClaim];
    if (typeof owner !== 'string' || owner.length === 0) {
      throw new AuthenticationError(`token has no "${this.config.ownerClaim}" claim`);
    }
    return { username: owner };
  }
}
