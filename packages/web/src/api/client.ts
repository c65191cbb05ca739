/** One class for every failed call: the gateway's error envelope, or a stand-in for it. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientOptions {
  fetch: FetchLike;
  /** The session's CSRF token, sent on every unsafe method (null before the session is read). */
  csrfToken: () => string | null;
  /** Called on any 401: the session is over, the page shows its signed-out state. */
  onUnauthorized: () => void;
}

export interface Client {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

export function createClient(opts: ClientOptions): Client {
  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (isUnsafeMethod(method)) {
      const token = opts.csrfToken();
      if (token) headers['x-csrf-token'] = token;
    }
    let res: Response;
    try {
      res = await opts.fetch(path, {
        method,
        headers,
        credentials: 'same-origin',
        cache: 'no-store',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'NETWORK_ERROR', 'The gateway could not be reached.');
    }
    if (res.status === 401) opts.onUnauthorized();
    if (!res.ok) throw await toApiError(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
  };
}

/** The envelope `{ error: { code, message, details } }`, or what can be said without one. */
export async function toApiError(res: Response): Promise<ApiError> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await res.text());
  } catch {
    parsed = undefined;
  }
  const err = (parsed as { error?: unknown } | undefined)?.error;
  if (err && typeof err === 'object') {
    const { code, message, details } = err as Record<string, unknown>;
    if (typeof code === 'string' && typeof message === 'string') {
      const d =
        details && typeof details === 'object' ? (details as Record<string, unknown>) : undefined;
      return new ApiError(res.status, code, message, d);
    }
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `The gateway answered ${res.status}.`);
}

/** A message for any thrown value, for a role="alert". */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
