import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import type { z } from 'zod';
import type { TokenProvider } from '../auth/types.js';
import {
  AbortError,
  APIError,
  ConnectionError,
  HpcgateError,
  InvalidResponseError,
  TimeoutError,
} from './errors.js';

export interface ClientOptions {
  /** Where the gateway listens, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A bearer token, or a function that returns a current one (called for every request). */
  token?: string;
  /**
   * E.g. `clientCredentials(…)` or `refreshToken(…)`. When the gateway answers 401, the request
   * is sent once more if the provider then gives another token (`{ rejected }`). Whatever the
   * provider throws reaches the caller as it is, without retries.
   */
  tokenProvider?: TokenProvider;
  /** Per attempt. Default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt, for connection errors, 429 and 5xx. Default 2. */
  maxRetries?: number;
}

export interface RequestOptions<S extends z.ZodType> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  signal?: AbortSignal;
  /** The contract schema the answer must match; its output is what the caller gets. */
  schema: S;
  /** Non-2xx statuses that are answers rather than errors (e.g. 503 from /readyz). */
  acceptStatus?: number[];
  /** Per-call override of the client's timeout. */
  timeoutMs?: number;
}

export interface StreamRequestOptions {
  path: string;
  query?: Record<string, unknown>;
  /** Extra request headers, e.g. `Last-Event-ID`. */
  headers?: Record<string, string>;
  /** Default `text/event-stream`. */
  accept?: string;
  signal?: AbortSignal;
  /** Retries of the opening request; default the client's. */
  maxRetries?: number;
  /** How long to wait for the answer's headers; default the client's timeout. */
  connectTimeoutMs?: number;
}

export interface StreamResponse {
  status: number;
  /** Lower-cased. */
  headers: Record<string, string>;
  /** The body, unread; destroy it to hang up. */
  body: Readable;
}

const ERROR_BODY_MAX_BYTES = 64 * 1024;

/** The (small) body of an error answer to a streamed request, as JSON when it is JSON. */
async function readErrorBody(body: Readable): Promise<unknown> {
  let text = '';
  try {
    for await (const chunk of body) {
      text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
      if (text.length > ERROR_BODY_MAX_BYTES) break;
    }
  } catch {
    // A cut error body: the status still says what happened.
  } finally {
    body.destroy();
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Worth sending again: the statuses above, and a 409 saying the same Idempotency-Key is still in
 * flight (its first request is running on the gateway; the retry then gets its answer).
 */
function retryable(status: number, code: string | undefined): boolean {
  return RETRY_STATUSES.has(status) || (status === 409 && code === 'IDEMPOTENCY_KEY_IN_USE');
}
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 8_000;

/**
 * The one layer that talks HTTP. Auth, retries (with backoff and jitter, honouring Retry-After),
 * Idempotency-Key on every POST (the same key on each retry), timeouts, abort, response
 * validation and error mapping live here and nowhere else.
 */
export class RequestCore {
  private readonly http: AxiosInstance;
  readonly maxRetries: number;
  /** Per attempt; also how long a download may go without a byte. */
  readonly timeoutMs: number;

  constructor(private readonly options: ClientOptions) {
    this.maxRetries = options.maxRetries ?? 2;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: this.timeoutMs,
      // Every status comes back to us; we decide what is an error.
      validateStatus: () => true,
      headers: { Accept: 'application/json' },
      paramsSerializer: { indexes: null },
    });
  }

  async request<S extends z.ZodType>(
    opts: RequestOptions<S>,
  ): Promise<{ status: number; data: z.output<S> }> {
    const idempotencyKey = opts.method === 'POST' ? `sdk-${randomUUID()}` : undefined;
    const res = await this.exchange(opts, this.maxRetries, (token) =>
      this.send(opts, token, idempotencyKey),
    );
    const parsed = opts.schema.safeParse(res.data);
    if (!parsed.success) {
      throw new InvalidResponseError(
        `the gateway's answer to ${opts.method} ${opts.path} does not match the contract: ${parsed.error.issues[0]?.message}`,
      );
    }
    return { status: res.status, data: parsed.data };
  }

  /**
   * Opens a streamed GET (e.g. Server-Sent Events) with the same auth, retries and error mapping
   * as `request`; resolves once a 2xx answer's headers are in, with its body unread. No timeout
   * applies to the body (the caller watches it, e.g. for heartbeats); `signal` ends it.
   */
  async stream(opts: StreamRequestOptions): Promise<StreamResponse> {
    const res = await this.exchange(
      { method: 'GET', ...opts },
      opts.maxRetries ?? this.maxRetries,
      (token) => {
        const headers: Record<string, string> = {
          Accept: opts.accept ?? 'text/event-stream',
          // Read as it arrives: a decompressor would hold events back (and error bodies stay JSON).
          'Accept-Encoding': 'identity',
        };
        if (token) headers.Authorization = `Bearer ${token}`;
        Object.assign(headers, opts.headers);
        return this.http.request({
          method: 'GET',
          url: opts.path,
          params: opts.query,
          headers,
          signal: opts.signal,
          responseType: 'stream',
          timeout: opts.connectTimeoutMs ?? this.timeoutMs,
          decompress: false,
        });
      },
      async (res) => readErrorBody(res.data as Readable),
    );
    const body = res.data as Readable & { socket?: Socket | null };
    // The transport would destroy the socket after `timeout` without a byte, for the body's
    // whole life, which looks like a cut. The caller watches the body instead, with its own
    // clock (SSE heartbeats, a download's idle timeout) and its own errors.
    body.socket?.setTimeout(0);
    return { status: res.status, headers: flatHeaders(res.headers), body };
  }

  /**
   * The attempt loop every call goes through: token (with one refresh after a 401), retries of
   * connection errors, 429 and 5xx with backoff (Retry-After wins), and the one error builder.
   * Resolves with the first acceptable answer.
   */
  private async exchange(
    opts: Pick<RequestOptions<z.ZodType>, 'method' | 'path' | 'signal' | 'acceptStatus'>,
    maxRetries: number,
    send: (token: string | undefined) => Promise<AxiosResponse<unknown>>,
    errorBody: (res: AxiosResponse<unknown>) => Promise<unknown> = async (res) => res.data,
  ): Promise<AxiosResponse<unknown>> {
    let rejected: string | undefined;
    let replacement: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const token = replacement ?? (await this.token(rejected));
      replacement = undefined;
      let res: AxiosResponse<unknown>;
      try {
        res = await send(token);
      } catch (err) {
        const e = toTransportError(err);
        if (e instanceof AbortError || attempt >= maxRetries) throw e;
        await sleep(backoff(attempt, undefined), opts.signal);
        continue;
      }
      const ok = (res.status >= 200 && res.status < 300) || opts.acceptStatus?.includes(res.status);
      if (ok) return res;
      const error = APIError.fromResponse(
        res.status,
        await errorBody(res),
        flatHeaders(res.headers),
      );
      // 401: once per call, ask the provider for another token (e.g. revoked or expired early);
      // sent again only if it has one. This does not use up a retry.
      if (res.status === 401 && token && rejected === undefined && this.options.tokenProvider) {
        rejected = token;
        const fresh = await this.token(rejected);
        if (fresh && fresh !== token) {
          replacement = fresh;
          attempt--;
          continue;
        }
        throw error;
      }
      if (!retryable(res.status, error.code) || attempt >= maxRetries) throw error;
      await sleep(backoff(attempt, error.headers['retry-after']), opts.signal);
    }
  }

  /** The static token, or the provider's (which is told which token the gateway rejected). */
  private async token(rejected: string | undefined): Promise<string | undefined> {
    const { tokenProvider } = this.options;
    if (!tokenProvider) return this.options.token;
    return rejected === undefined ? tokenProvider() : tokenProvider({ rejected });
  }

  private async send(
    opts: RequestOptions<z.ZodType>,
    token: string | undefined,
    idempotencyKey: string | undefined,
  ) {
    const headers: Record<string, string> = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    return this.http.request({
      method: opts.method,
      url: opts.path,
      params: opts.query,
      data: opts.body,
      headers,
      signal: opts.signal,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
  }
}

export interface GuardBodyOptions {
  /** The call's signal: once it aborts, the body fails with AbortError. */
  signal?: AbortSignal;
  /** No byte for this long while the reader waits for one: TimeoutError. */
  idleTimeoutMs: number;
  /** What the body is, for messages: `the download of out/a.txt`. */
  what: string;
}

/**
 * A streamed answer's body (from `stream`) whose failures are the SDK's errors, like every
 * other failure: AbortError once the signal aborts, TimeoutError when the gateway goes silent,
 * ConnectionError when the connection is cut (reset, or closed before Content-Length). Nothing
 * is retried: bytes were already delivered. Read at the reader's pace (the idle clock runs only
 * while the reader waits), never buffered whole; destroying it hangs up.
 */
export function guardBody(
  body: Readable,
  { signal, idleTimeoutMs, what }: GuardBodyOptions,
): Readable {
  async function* chunks(): AsyncGenerator<Buffer, void, undefined> {
    const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let idle: NodeJS.Timeout | undefined;
    let silent = false;
    try {
      for (;;) {
        idle = setTimeout(() => {
          silent = true;
          body.destroy(new Error('idle'));
        }, idleTimeoutMs);
        const next = await it.next();
        clearTimeout(idle);
        if (next.done) return;
        yield next.value;
      }
    } catch (err) {
      if (signal?.aborted) throw new AbortError('aborted');
      if (silent) throw new TimeoutError(`${what} stalled: no data for ${idleTimeoutMs} ms`);
      throw new ConnectionError(`${what} was cut: ${(err as Error).message}`);
    } finally {
      clearTimeout(idle);
      body.destroy();
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** Exponential backoff with full jitter; Retry-After (seconds or a date) wins when given. */
export function backoff(attempt: number, retryAfter: string | undefined): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(ms, 60_000);
  }
  const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function toTransportError(err: unknown): HpcgateError {
  if (err instanceof HpcgateError) return err;
  if (isAxiosError(err)) {
    if (err.code === 'ERR_CANCELED') return new AbortError('the request was aborted');
    if (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT') {
      return new TimeoutError(`the gateway did not answer in time (${err.message})`);
    }
    return new ConnectionError(`cannot reach the gateway: ${err.code ?? err.message}`);
  }
  return new ConnectionError(`cannot reach the gateway: ${(err as Error).message}`);
}

function flatHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string') out[k.toLowerCase()] = v;
  }
  return out;
}
