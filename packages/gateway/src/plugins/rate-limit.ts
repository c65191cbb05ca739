import type { onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';

/** A caller went over their request budget: 429 with Retry-After. */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSec: number) {
    super(`too many requests; retry in ${retryAfterSec} s`);
  }
}

export interface TokenBucketOptions {
  requestsPerMinute: number;
  /** The bucket's size: requests a rested caller may make at once. */
  burst: number;
  /** Milliseconds from a monotonic clock (tests inject their own). */
  now?: () => number;
}

export type TakeResult =
  | { allowed: true; remaining: number }
  | { allowed: false; retryAfterSec: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per key, in memory: each holds up to `burst` tokens, refilled continuously at
 * `requestsPerMinute`; a request takes one. Buckets that have refilled completely are forgotten
 * (a new bucket starts full, so forgetting changes nothing), checked at most once a minute.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly now: () => number;
  private lastSweep: number;

  constructor(private readonly opts: TokenBucketOptions) {
    this.perMs = opts.requestsPerMinute / 60_000;
    this.now = opts.now ?? (() => performance.now());
    this.lastSweep = this.now();
  }

  take(key: string): TakeResult {
    const now = this.now();
    if (now - this.lastSweep >= 60_000) this.sweep(now);
    const bucket = this.refill(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens) };
    }
    return {
      allowed: false,
      retryAfterSec: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)),
    };
  }

  /** Buckets held now (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.opts.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    // max(0, …): a clock that went back gives nothing, takes nothing.
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(this.opts.burst, bucket.tokens + elapsed * this.perMs);
    bucket.at = Math.max(bucket.at, now);
    return bucket;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, b] of this.buckets) {
      if (b.tokens + Math.max(0, now - b.at) * this.perMs >= this.opts.burst) {
        this.buckets.delete(key);
      }
    }
  }
}

const PREFIX = '/v3/jobs';

/**
 * Per-user rate limit on every `/v3/jobs` route (`config.rateLimit`; absent: no limit).
 *
 * Two budgets, because the user is known only after the token is checked:
 * - **Before the caller is known** (auth.ts, `auth.introspection.clientLimit`): what costs the
 *   gateway someone else's resources before verification is introspection, one request to the
 *   identity provider per opaque token. So the tokens that need one (not in the introspection
 *   cache, not already being introspected) are paid for from a bucket keyed by the **client
 *   address**, just before the call; an empty bucket answers 429 without calling. Not keyed by
 *   the token (or its hash): a flood uses a new made-up token each time, so each would get a full
 *   bucket of its own. Not by the name the token claims: unverified, it could exhaust a real
 *   user's budget. Behind a reverse proxy the address is the proxy's (unless Fastify's
 *   `trustProxy` is configured), and the bucket then bounds the provider's load for everyone
 *   together, which is its purpose. JWTs are checked locally (and unknown `kid`s fetch the JWKS at
 *   most once per `jwksCooldownSec`), and cached answers cost nothing, so they are not charged.
 * - **Once it is known** (here): a bucket per verified user, as below.
 *
 * The bucket is keyed on the verified caller, so the limit has to run after authentication. The
 * jobs routes authenticate in an `onRequest` hook of their own plugin, which runs after any hook
 * added here at the root. So instead of a root hook, this plugin adds a *route-level* `onRequest`
 * hook to each `/v3/jobs` route as it is declared (`onRoute`): Fastify runs route-level hooks
 * after the encapsulating plugins' hooks of the same kind, i.e. after `authenticate`, and still
 * before the body is parsed. Should a route not authenticate first, the hook calls
 * `fastify.authenticate` itself (which verifies once per request), so the limit never keys on an
 * unverified name and never lets an anonymous request through. Unauthenticated requests are
 * refused (401) before they reach a bucket; they cost no user's budget.
 *
 * Must be registered after `auth` and before the jobs routes.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const settings = opts.config.rateLimit;
    if (!settings) return;
    const limiter = new TokenBucketLimiter(settings);
    const limit: onRequestHookHandler = async (request, reply) => {
      if (!request.caller) await fastify.authenticate(request, reply);
      const result = limiter.take(request.caller.username);
      if (!result.allowed) throw new RateLimitedError(result.retryAfterSec);
    };
    fastify.addHook('onRoute', (route) => {
      const url = route.url ?? route.path;
      if (url !== PREFIX && !url.startsWith(`${PREFIX}/`)) return;
      const existing = route.onRequest;
      route.onRequest = [
        ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
        limit,
      ];
    });
  },
  { name: 'rate-limit', dependencies: ['auth'] },
);
