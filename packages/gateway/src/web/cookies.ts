/** The web page's cookies: `__Host-` names (Secure, Path=/, no Domain: this host only). */
export const SESSION_COOKIE = '__Host-hpcgate-session';
export const LOGIN_COOKIE = '__Host-hpcgate-login';

/** A cookie's value from a Cookie header, or undefined. Tokens are base64url, nothing to decode. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * A Set-Cookie value. Always HttpOnly (no script reads it) and Secure (browsers accept Secure
 * cookies from http://127.0.0.1 and localhost too). The session is SameSite=Strict: no other site
 * can make the browser send it. The login cookie is Lax, because it must come back on the
 * provider's redirect to the callback, a top-level navigation from another site.
 */
export function setCookie(
  name: string,
  value: string,
  opts: { sameSite: 'Strict' | 'Lax'; maxAgeSec?: number },
): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'Secure', `SameSite=${opts.sameSite}`];
  if (opts.maxAgeSec !== undefined) parts.push(`Max-Age=${opts.maxAgeSec}`);
  return parts.join('; ');
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}
