import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const TEST_ISSUER = 'https://issuer.hpcgate.test';
export const TEST_AUDIENCE = 'hpcgate';

export interface TestIssuer {
  jwksFile: string;
  /** A valid access token for `sub`, with optional claim overrides. */
  token(
    sub: string,
    overrides?: {
      exp?: number;
      iss?: string;
      aud?: string;
      nbf?: number;
      claims?: Record<string, unknown>;
    },
  ): Promise<string>;
}

/** The tests' own token issuer: a fresh ES256 key whose public half is written as a JWKS file. */
export async function createTestIssuer(): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const dir = mkdtempSync(join(tmpdir(), 'hpcgate-jwks-'));
  const jwksFile = join(dir, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  return {
    jwksFile,
    token: async (sub, o = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ ...o.claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
        .setSubject(sub)
        .setIssuer(o.iss ?? TEST_ISSUER)
        .setAudience(o.aud ?? TEST_AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(o.exp ?? now + 600);
      if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
      return jwt.sign(privateKey);
    },
  };
}
