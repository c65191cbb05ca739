#!/usr/bin/env node
// Development sign-in for `npm start`: a local signing key (created once under .hpcgate/) whose
// public half the gateway trusts through its JWKS file, and a short-lived token for a user.
// Tokens are verified like any other; this is a local issuer, not a way around verification.
// Usage: node scripts/dev-token.mjs [user]        prints a token valid for 12 hours
//        node scripts/dev-token.mjs --jwks         creates the key if needed, prints the JWKS path
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

export const DEV_ISSUER = 'http://127.0.0.1/hpcgate-dev';
export const DEV_AUDIENCE = 'hpcgate';

const dir = resolve(import.meta.dirname, '..', '.hpcgate');
const keyFile = resolve(dir, 'dev-signing-key.json');
const jwksFile = resolve(dir, 'dev-jwks.json');

if (!existsSync(keyFile)) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = `dev-${Date.now()}`;
  writeFileSync(keyFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' }), {
    mode: 0o600,
  });
  writeFileSync(
    jwksFile,
    JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }),
  );
}

const arg = process.argv[2] ?? 'demo';
if (arg === '--jwks') {
  console.log(jwksFile);
} else {
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
  const token = await new SignJWT({ preferred_username: arg })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
    .setSubject(arg)
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(await importJWK(jwk, 'ES256'));
  console.log(token);
}
