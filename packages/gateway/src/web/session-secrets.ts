import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/**
 * The secrets behind the web page's cookies. A cookie holds a random token; the store keeps only
 * its hash, and what it keeps with it (the provider's tokens, a login's PKCE verifier) is sealed
 * with a key derived from the token itself. A copy of the database gives neither a usable cookie
 * nor the tokens, and replicas need no shared key to open what another sealed.
 */

/** 32 random bytes, base64url: a session or login id as its cookie carries it. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The store's key for a token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function keyFor(token: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, '', `hpcgate web ${purpose}`, 32));
}

/** AES-256-GCM under a key derived from `token`: `iv.tag.ciphertext`, base64url. */
export function seal(token: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(token, 'seal'), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** What {@link seal} sealed with this token; undefined when it does not open (another token). */
export function unseal<T>(token: string, sealed: string): T | undefined {
  const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
  if (!iv || !tag || !body) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(token, 'seal'), iv);
    decipher.setAuthTag(tag);
    return JSON.parse(
      Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'),
    ) as T;
  } catch {
    return undefined;
  }
}

/** The CSRF token of a session: derived from its id, so it is never stored. */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', keyFor(sessionToken, 'csrf')).update('csrf').digest('base64url');
}

/** Compares in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
