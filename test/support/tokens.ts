import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const ISSUER = 'https://issuer.e2e.hpcgate.test';
export const AUDIENCE = 'hpcgate-e2e';

/** The end-to-end tests' own signing key: its public half is the gateway's JWKS file. */
export async function createIssuer(): Promise<{
  jwksFile: string;
  token: (sub: string) => Promise<string>;
}> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'e2e', alg: 'EdDSA' };
  const jwksFile = join(mkdtempSync(join(tmpdir(), 'hpcgate-e2e-')), 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify({ keys: [jwk] }));
  const token = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'EdDSA', kid: 'e2e' })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  return { jwksFile, token };
}
