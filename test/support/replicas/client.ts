import type { Job } from '@hpcgate/sdk';
import type { ReplicaSet } from './replica-set.js';

/** An HTTP answer, and the replica that gave it. */
export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field
  body: any;
  headers: Headers;
  replica: number;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** This replica (0-based); otherwise the client's next live one in turn. */
  replica?: number;
  timeoutMs?: number;
}

// ------------------------------------------------------------------ a client over the set

/** A call that reached no replica, or no answer: the connection was refused, reset or cut. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(
    readonly replica: number,
    cause: unknown,
  ) {
    super(`replica ${replica + 1} did not answer: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Calls the replicas in turn, as a load balancer in front of them would: each call goes to the
 * next live replica (one the set has not killed), or to the one named.
 */
export class ReplicaClient {
  private turn = 0;
  private readonly pending = new Map<number, number>();

  constructor(
    private readonly set: ReplicaSet,
    private readonly sub: string,
  ) {}

  /** The next live replica in turn. */
  next(): number {
    for (let n = 0; n < this.set.count; n++) {
      const i = this.turn++ % this.set.count;
      if (this.set.isUp(i)) return i;
    }
    throw new Error('no replica is up');
  }

  /** Calls of this client that replica `i` has not answered yet. */
  inFlight(i: number): number {
    return this.pending.get(i) ?? 0;
  }

  /** One HTTP call with the caller's token; throws UnreachableError when no answer came. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const replica = options.replica ?? this.next();
    const headers: Record<string, string> = {
      authorization: `Bearer ${await this.set.token(this.sub)}`,
      ...options.headers,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    let text: string;
    this.pending.set(replica, this.inFlight(replica) + 1);
    try {
      res = await fetch(`${this.set.url(replica)}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
      text = await res.text();
    } catch (err) {
      throw new UnreachableError(replica, err);
    } finally {
      this.pending.set(replica, this.inFlight(replica) - 1);
    }
    let body: unknown = text;
    if (res.headers.get('content-type')?.includes('json')) body = text ? JSON.parse(text) : null;
    return { status: res.status, body, headers: res.headers, replica };
  }

  /**
   * A call retried, as a client behind a load balancer retries, on the next replica after one
   * that gave no answer, a 5xx or 409 IDEMPOTENCY_KEY_IN_USE, with the same headers (and so the
   * same Idempotency-Key). Every replica tried is in `tried`.
   */
  async callRetrying(
    method: string,
    path: string,
    options: CallOptions & { attempts?: number } = {},
  ): Promise<Answer & { tried: number[] }> {
    const attempts = options.attempts ?? 10;
    const tried: number[] = [];
    let replica = options.replica ?? this.next();
    for (let attempt = 1; ; attempt++) {
      tried.push(replica);
      let answer: Answer | null = null;
      let failure: string;
      try {
        answer = await this.call(method, path, { ...options, replica });
        failure = `${answer.status} ${JSON.stringify(answer.body)}`;
      } catch (err) {
        if (!(err instanceof UnreachableError)) throw err;
        failure = err.message;
      }
      const retry =
        answer === null ||
        answer.status >= 500 ||
        (answer.status === 409 && answer.body?.error?.code === 'IDEMPOTENCY_KEY_IN_USE');
      if (!retry) return { ...answer!, tried };
      if (attempt >= attempts) {
        throw new Error(`${method} ${path}: ${attempts} attempts failed, the last: ${failure}`);
      }
      await new Promise((r) => setTimeout(r, 100 * attempt));
      replica = this.nextAfter(replica);
    }
  }

  /**
   * Every job `/v3/jobs/list` gives for the query, page after page, each page from the next
   * replica in turn (a cursor one replica handed out must work on the others).
   */
  async listJobs(query: Record<string, string>): Promise<Job[]> {
    const jobs: Job[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ ...query, limit: '500', ...(cursor ? { cursor } : {}) });
      const page = await this.callRetrying('GET', `/v3/jobs/list?${params}`);
      if (page.status !== 200) {
        throw new Error(`GET /v3/jobs/list answered ${page.status}: ${JSON.stringify(page.body)}`);
      }
      jobs.push(...(page.body.jobs as Job[]));
      cursor = page.body.nextCursor;
    } while (cursor);
    return jobs;
  }

  /** The next live replica after `i`. */
  private nextAfter(i: number): number {
    for (let n = 1; n <= this.set.count; n++) {
      const j = (i + n) % this.set.count;
      if (this.set.isUp(j)) return j;
    }
    throw new Error('no replica is up');
  }
}
