import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
import { AbortError, APIError, ConnectionError, HpcgateError, TimeoutError } from './errors.js';

export interface ClientOptions {
  /** Where the gateway listens, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A bearer token, or a function that returns a fresh one for each request. */
  token?: string;
  tokenProvider?: () => string | Promise<string>;
  timeoutMs?: number;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  signal?: AbortSignal;
  /** Which non-2xx statuses are answers rather than errors (e.g. 503 from /readyz). */
  acceptStatus?: number[];
}

/** The one layer that talks HTTP: auth, timeouts and error mapping live here and nowhere else. */
export class RequestCore {
  private readonly http: AxiosInstance;

  constructor(private readonly options: ClientOptions) {
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 30_000,
      // Every status comes back to us; we decide what is an error.
      validateStatus: () => true,
      headers: { Accept: 'application/json' },
    });
  }

  async request<T>(opts: RequestOptions): Promise<{ status: number; data: T }> {
    const headers: Record<string, string> = {};
    const token = await this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    let res: AxiosResponse<unknown>;
    try {
      res = await this.http.request({
        method: opts.method,
        url: opts.path,
        params: opts.query,
        data: opts.body,
        headers,
        signal: opts.signal,
      });
    } catch (err) {
      throw toTransportError(err);
    }
    const ok = (res.status >= 200 && res.status < 300) || opts.acceptStatus?.includes(res.status);
    if (!ok) {
      throw APIError.fromResponse(res.status, res.data, flatHeaders(res.headers));
    }
    return { status: res.status, data: res.data as T };
  }

  private async token(): Promise<string | undefined> {
    if (this.options.tokenProvider) return this.options.tokenProvider();
    return this.options.token;
  }
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
