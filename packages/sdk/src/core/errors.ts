/** Every failure the SDK reports is one of these; no axios error ever escapes. */
export class HpcgateError extends Error {
  override name = 'HpcgateError';
}

/** The gateway answered with an error status. */
export class APIError extends HpcgateError {
  override name = 'APIError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly headers: Record<string, string>,
  ) {
    super(message);
  }

  /** Builds the subclass that matches the status: the one place that decides it. */
  static fromResponse(status: number, body: unknown, headers: Record<string, string>): APIError {
    const envelope = parseEnvelope(body);
    const code = envelope?.code ?? `HTTP_${status}`;
    const message = envelope?.message ?? `the gateway answered HTTP ${status}`;
    const details = envelope?.details;
    const Class = classForStatus(status);
    return new Class(status, code, message, details, headers);
  }
}

export class BadRequestError extends APIError {
  override name = 'BadRequestError';
  /** The offending field, e.g. `body.name`. */
  get field(): string | null {
    const f = this.details?.field;
    return typeof f === 'string' ? f : null;
  }
}
export class AuthenticationError extends APIError {
  override name = 'AuthenticationError';
}
export class PermissionDeniedError extends APIError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends APIError {
  override name = 'NotFoundError';
}
export class ConflictError extends APIError {
  override name = 'ConflictError';
  /**
   * The job the conflict is about, as the gateway named it: the ended job of JOB_NOT_CANCELLABLE,
   * or the job that holds the key of JOB_ALREADY_RUNNING (with its name and since when it is in
   * its status). What the gateway did not say is null.
   */
  get job(): {
    id: string | null;
    status: string | null;
    name: string | null;
    since: string | null;
  } {
    const d = this.details ?? {};
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    return { id: text(d.jobId), status: text(d.status), name: text(d.name), since: text(d.since) };
  }
}
export class RateLimitError extends APIError {
  override name = 'RateLimitError';
}
export class ServerError extends APIError {
  override name = 'ServerError';
}

/** The gateway answered 2xx with a body that does not match the contract. */
export class InvalidResponseError extends HpcgateError {
  override name = 'InvalidResponseError';
}

/** No answer at all: refused, reset, DNS… */
export class ConnectionError extends HpcgateError {
  override name = 'ConnectionError';
}
export class TimeoutError extends ConnectionError {
  override name = 'TimeoutError';
}
export class AbortError extends HpcgateError {
  override name = 'AbortError';
}

function classForStatus(status: number): typeof APIError {
  if (status === 400 || status === 422) return BadRequestError;
  if (status === 401) return AuthenticationError;
  if (status === 403) return PermissionDeniedError;
  if (status === 404) return NotFoundError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return ServerError;
  return APIError;
}

function parseEnvelope(
  body: unknown,
): { code: string; message: string; details?: Record<string, unknown> } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const e = (body as { error: unknown }).error;
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message, details } = e as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return {
    code,
    message,
    ...(typeof details === 'object' && details !== null
      ? { details: details as Record<string, unknown> }
      : {}),
  };
}
