/**
 * The claims of a JWT (its payload), decoded but NOT verified: for showing who a token is for
 * and when it expires, never for trusting it. `undefined` when the string is not a JWT.
 */
export function decodeJwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The user a token names: `preferred_username`, else `sub`. */
export function tokenUsername(token: string): string | undefined {
  const claims = decodeJwtClaims(token);
  const name = claims?.preferred_username ?? claims?.sub;
  return typeof name === 'string' && name ? name : undefined;
}
