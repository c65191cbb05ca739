import { decodeJwtClaims } from './jwt.js';
import type { CachedTokenOptions, TokenRequestOptions } from './types.js';

/** An access token and what is known of its life, in epoch milliseconds. */
export interface Obtained {
  token: string;
  expiresAt?: number;
  issuedAt?: number;
}

const MAX_MARGIN_MS = 30_000;

/**
 * The access token of one provider: kept until shortly before it expires, then renewed by
 * `obtain`. At most one renewal is in flight: concurrent callers share it (single flight).
 */
export class TokenCache {
  private current: { token: string; renewAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly obtain: () => Promise<Obtained>,
    private readonly options: CachedTokenOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    if (options.accessToken) {
      const claims = decodeJwtClaims(options.accessToken);
      const exp = typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined;
      const iat = typeof claims?.iat === 'number' ? claims.iat * 1000 : undefined;
      const given = options.accessTokenExpiresAt;
      const expiresAt = given !== undefined ? new Date(given).getTime() : exp;
      if (expiresAt === undefined || Number.isFinite(expiresAt)) {
        this.set({ token: options.accessToken, expiresAt, issuedAt: iat });
      }
    }
  }

  get(request: TokenRequestOptions = {}): Promise<string> {
    if (this.inflight) return this.inflight;
    const current = this.current;
    const stale =
      !current ||
      this.now() >= current.renewAt ||
      (request.rejected !== undefined && request.rejected === current.token);
    if (!stale) return Promise.resolve(current.token);
    const renewal = this.obtain().then((obtained) => this.set(obtained));
    this.inflight = renewal;
    const done = () => {
      if (this.inflight === renewal) this.inflight = undefined;
    };
    renewal.then(done, done);
    return renewal;
  }

  /** The cached token while it is fresh; never asks for a new one. */
  peek(): string | undefined {
    const current = this.current;
    return current && this.now() < current.renewAt ? current.token : undefined;
  }

  invalidate(): void {
    this.current = undefined;
  }

  private set(obtained: Obtained): string {
    const { token, expiresAt, issuedAt } = obtained;
    let renewAt = Number.POSITIVE_INFINITY;
    if (expiresAt !== undefined) {
      const lifetime = issuedAt !== undefined ? expiresAt - issuedAt : undefined;
      const margin =
        this.options.refreshBeforeExpirySec !== undefined
          ? this.options.refreshBeforeExpirySec * 1000
          : lifetime !== undefined && lifetime > 0
            ? Math.min(MAX_MARGIN_MS, lifetime / 10)
            : MAX_MARGIN_MS;
      renewAt = expiresAt - margin;
    }
    this.current = { token, renewAt };
    return token;
  }
}
