import { AuthUnavailableError } from './errors.js';

export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * One request to the identity provider with a timeout. Redirects are not followed. Network
 * failures, timeouts and answers that are not JSON become AuthUnavailableError.
 */
export async function fetchJson(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<JsonResponse> {
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new AuthUnavailableError(`${url}: ${describe(err)}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new AuthUnavailableError(`${url}: ${describe(err)}`);
  }
  if (res.status >= 500 || res.status === 429 || (res.status >= 300 && res.status < 400)) {
    throw new AuthUnavailableError(`${url} answered ${res.status}`);
  }
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new AuthUnavailableError(`${url} answered ${res.status} with something that is not JSON`);
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
