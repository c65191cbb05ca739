import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import type { DevOidcProvider } from '../src/index.js';

export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export function basic(clientId: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` };
}

/** Verifies like a resource server would: keys found through discovery, then iss/aud. */
export async function verifyAccessToken(op: DevOidcProvider, token: string): Promise<JWTPayload> {
  const discovery = (await (
    await fetch(`${op.issuer}/.well-known/openid-configuration`)
  ).json()) as { jwks_uri: string };
  const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
  const { payload } = await jwtVerify(token, jwks, { issuer: op.issuer, audience: op.audience });
  return payload;
}
