import type { ErrorBody } from '@hpcgate/contract';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AuthenticationError, AuthUnavailableError } from '../auth/errors.js';
import {
  InvalidJobRequestError,
  JobNotCancellableError,
  JobNotFoundError,
  UnknownSystemError,
} from '../domain/errors.js';
import { InvalidTransitionError } from '../domain/transitions.js';
import { NoClusterAccountError } from '../jobs/cluster-accounts.js';
import { RateLimitedError } from '../plugins/rate-limit.js';
import {
  SchedulerCommandError,
  SchedulerOutputTooLargeError,
  SchedulerTimeoutError,
  SchedulerUnavailableError,
} from '../scheduler/errors.js';
import { InvalidCursorError } from '../store/sqlite/sqlite-job-store.js';

/** A failure to show the client as it is: a status, a stable code and a message. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface Mapped {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** For the log only (never sent): what went wrong behind a 5xx. */
  log?: { msg: string; cause?: string };
}

/** Domain errors → HTTP. Anything not listed is a 500 whose details stay in the log. */
function mapDomainError(err: Error): Mapped | undefined {
  if (err instanceof HttpError) {
    return { status: err.statusCode, code: err.code, message: err.message, details: err.details };
  }
  if (err instanceof AuthenticationError) {
    return {
      status: 401,
      code: 'UNAUTHENTICATED',
      message: err.message,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
    };
  }
  if (err instanceof AuthUnavailableError) {
    return {
      status: 503,
      code: 'AUTH_UNAVAILABLE',
      message: err.message,
      headers: { 'retry-after': '5' },
      log: { msg: 'identity provider unavailable', cause: err.detail },
    };
  }
  if (err instanceof RateLimitedError) {
    return {
      status: 429,
      code: 'RATE_LIMITED',
      message: err.message,
      details: { retryAfterSec: err.retryAfterSec },
      headers: { 'retry-after': String(err.retryAfterSec) },
    };
  }
  if (err instanceof JobNotFoundError) {
    return {
      status: 404,
      code: 'JOB_NOT_FOUND',
      message: err.message,
      details: { jobId: err.jobId },
    };
  }
  if (err instanceof JobNotCancellableError) {
    return {
      status: 409,
      code: 'JOB_NOT_CANCELLABLE',
      message: err.message,
      details: { jobId: err.jobId, status: err.status },
    };
  }
  if (err instanceof NoClusterAccountError) {
    return {
      status: 403,
      code: 'NO_CLUSTER_ACCOUNT',
      message: err.message,
      details: { execSystemId: err.systemId },
    };
  }
  if (err instanceof UnknownSystemError) {
    return {
      status: 400,
      code: 'UNKNOWN_EXEC_SYSTEM',
      message: err.message,
      details: { field: 'body.execSystemId', execSystemId: err.systemId },
    };
  }
  if (err instanceof InvalidJobRequestError) {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: err.message,
      details: { field: err.field },
    };
  }
  if (err instanceof InvalidCursorError) {
    return {
      status: 400,
      code: 'INVALID_CURSOR',
      message: err.message,
      details: { field: 'querystring.cursor' },
    };
  }
  if (err instanceof InvalidTransitionError) {
    return {
      status: 409,
      code: 'JOB_STATE_CHANGED',
      message: err.message,
      details: { jobId: err.jobId },
    };
  }
  if (err instanceof SchedulerUnavailableError) {
    return {
      status: 503,
      code: 'SCHEDULER_UNAVAILABLE',
      message: err.message,
      details: { execSystemId: err.systemId },
    };
  }
  if (err instanceof SchedulerTimeoutError) {
    return {
      status: 504,
      code: 'SCHEDULER_TIMEOUT',
      message: err.message,
      details: { execSystemId: err.systemId },
    };
  }
  if (err instanceof SchedulerOutputTooLargeError || err instanceof SchedulerCommandError) {
    return {
      status: 502,
      code: 'SCHEDULER_ERROR',
      message: err.message,
      details: { execSystemId: err.systemId },
    };
  }
  return undefined;
}

/** The one place where errors become HTTP answers: `{ error: { code, message, details } }`. */
export function installErrorHandler(fastify: FastifyInstance): void {
  fastify.setErrorHandler((err: FastifyError | Error, request, reply) => {
    const mapped = mapDomainError(err);
    if (mapped) {
      if (mapped.status >= 500) {
        request.log.warn(
          { err: mapped.message, cause: mapped.log?.cause },
          mapped.log?.msg ?? 'scheduler error',
        );
      }
      return reply
        .code(mapped.status)
        .headers(mapped.headers ?? {})
        .send(body(mapped.code, mapped.message, mapped.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        field: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'invalid',
      }));
      const first = issues[0];
      return reply.code(400).send(
        body('VALIDATION_FAILED', first ? `${first.field}: ${first.message}` : 'invalid request', {
          field: first?.field ?? null,
          issues,
        }),
      );
    }
    const fe = err as FastifyError;
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own client errors (malformed JSON, body too large, wrong content type…).
      return reply.code(fe.statusCode).send(body(fe.code ?? 'BAD_REQUEST', fe.message));
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send(body('INTERNAL', 'internal error; see the gateway log'));
  });

  fastify.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(body('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  });
}

function body(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return details ? { error: { code, message, details } } : { error: { code, message } };
}
