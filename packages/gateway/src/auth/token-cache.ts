import { hash } from 'node:crypto';

/**
 * What is known of a token: its claims when valid (introspected active, or a JWT verified), `null`
 * when the identity provider said inactive.
 */
export type IntrospectionAnswer = Readonly<Record<string, unknown>> | null;

export interface TokenCacheOptions {
  /** An active answer is kept this long at most (and never past the token's `exp`); 0: never. */
  maxAgeMs: number;
  /** An inactive answer is kept this long; 0: never. */
  negativeMs: number;
  /** Answers kept at most; the least recently used is dropped first. */
  maxEntries: number;
  /** Milliseconds since the epoch (tests inject their own). */
  now?: () => number;
}

interface Entry {
  answer: IntrospectionAnswer;
  expiresAt: number;
}

/**
 * Answers about tokens: RFC 7662 answers, so a token is introspected once per `maxAgeMs` rather
 * than on every request, and verified JWTs' claims, so a token's signature is checked once rather
 * than on every request (RSA verification was a fifth of a getJob's CPU). Keyed by the SHA-256 of the token: the token itself is never kept. A `Map` in
 * insertion order makes the LRU: a hit moves its entry to the end, and the first entry is the one
 * dropped when full. Expired entries are dropped when met (and, being old, go first anyway).
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The cache key of a token (one-shot `crypto.hash`: no Hash object per request). */
  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  /** The answer kept for this key, or `undefined` when there is none (or it expired). */
  get(key: string): IntrospectionAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.answer;
  }

  /** Keeps an answer: an active one until `exp` or `maxAgeMs`, whichever is sooner. */
  set(key: string, answer: IntrospectionAnswer): void {
    const now = this.now();
    let expiresAt: number;
    if (answer === null) {
      expiresAt = now + this.opts.negativeMs;
    } else {
      expiresAt = now + this.opts.maxAgeMs;
      const exp = answer.exp;
      if (typeof exp === 'number' && Number.isFinite(exp)) {
        expiresAt = Math.min(expiresAt, exp * 1000);
      }
    }
    this.entries.delete(key);
    if (expiresAt <= now) return;
    this.entries.set(key, { answer, expiresAt });
    while (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Answers held now (for tests). */
  get size(): number {
    return this.entries.size;
  }
}
