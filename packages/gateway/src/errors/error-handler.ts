import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { ErrorBody } from '@hpcgate/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AuthenticationError, AuthUnavailableError } from '../auth/errors.js';
import {
  InvalidJobRequestError,
  JobNotCancellableError,
  JobNotFoundError,
  NotAllowedError,
  UnknownSystemError,
} from '../domain/errors.js';
import { HttpError } from '../domain/http-error.js';
import { TooManyActiveJobsError } from '../domain/limit-errors.js';
import {
  JobNotFinishedError,
  OutputTooLargeError,
  RangeNotSatisfiableError,
} from '../domain/output-errors.js';
import { JobAlreadyRunningError } from '../domain/singleton.js';
import { InvalidTransitionError } from '../domain/transitions.js';
import { NoClusterAccountError } from '../jobs/cluster-accounts.js';
import { RateLimitedError } from '../plugins/rate-limit.js';
import {
  SchedulerCommandError,
  SchedulerOutputTooLargeError,
  SchedulerTimeoutError,
  SchedulerUnavailableError,
} from '../scheduler/errors.js';
import { OutputNotFoundError, OutputTypeError } from '../scheduler/job-files.js';
import { InvalidCursorError, TooManyJobsSelectedError } from '../store/job-store.js';
import { TooManySignInsError } from '../web/web-sessions.js';
import {
  SubscriptionNotFoundError,
  TooManySubscriptionsError,
  WebhookAddressForbiddenError,
  WebhookUrlUnresolvableError,
} from '../webhooks/errors.js';

export { HttpError };

interface Mapped {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** For the log only (never sent): what went wrong behind a 5xx. */
  log?: { msg: string; cause?: string };
}

/** One row of the table: an error class and the answer it becomes. */
interface Rule<E extends Error> {
  type: abstract new (...args: never[]) => E;
  map: (err: E) => Mapped;
}
const rule = <E extends Error>(
  type: abstract new (...args: never[]) => E,
  map: (err: E) => Mapped,
): Rule<Error> => ({ type, map: map as (err: Error) => Mapped });

/**
 * Domain errors → HTTP, the first matching row wins (subclasses before their parents). Anything
 * not listed is a 500 whose details stay in the log.
 */
const RULES: readonly Rule<Error>[] = [
  rule(HttpError, (e) => ({
    status: e.statusCode,
    code: e.code,
    message: e.message,
    details: e.details,
    headers: e.headers,
  })),
  rule(AuthenticationError, (e) => ({
    status: 401,
    code: 'UNAUTHENTICATED',
    message: e.message,
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  })),
  rule(AuthUnavailableError, (e) => ({
    status: 503,
    code: 'AUTH_UNAVAILABLE',
    message: e.message,
    headers: { 'retry-after': '5' },
    log: { msg: 'identity provider unavailable', cause: e.detail },
  })),
  rule(RateLimitedError, (e) => ({
    status: 429,
    code: 'RATE_LIMITED',
    message: e.message,
    details: { retryAfterSec: e.retryAfterSec },
    headers: { 'retry-after': String(e.retryAfterSec) },
  })),
  rule(TooManyActiveJobsError, (e) => ({
    status: 429,
    code: 'TOO_MANY_ACTIVE_JOBS',
    message: e.message,
    details: { limit: e.limit },
    headers: { 'retry-after': String(e.retryAfterSec) },
  })),
  rule(TooManySignInsError, (e) => ({
    status: 429,
    code: 'TOO_MANY_SIGN_INS',
    message: e.message,
    headers: { 'retry-after': '60' },
  })),
  rule(TooManyJobsSelectedError, (e) => ({
    status: 400,
    code: 'TOO_MANY_JOBS_SELECTED',
    message: e.message,
    details: { field: 'body.selector', count: e.count, max: e.max },
  })),
  rule(JobNotFoundError, (e) => ({
    status: 404,
    code: 'JOB_NOT_FOUND',
    message: e.message,
    details: { jobId: e.jobId },
  })),
  rule(JobAlreadyRunningError, (e) => ({
    status: 409,
    code: 'JOB_ALREADY_RUNNING',
    message: e.message,
    details: {
      jobId: e.holder.jobId,
      name: e.holder.name,
      status: e.holder.status,
      since: e.holder.since,
      exclusiveKey: e.holder.exclusiveKey,
    },
  })),
  rule(JobNotCancellableError, (e) => ({
    status: 409,
    code: 'JOB_NOT_CANCELLABLE',
    message: e.message,
    details: { jobId: e.jobId, status: e.status },
  })),
  rule(OutputNotFoundError, (e) => ({
    status: 404,
    code: 'OUTPUT_NOT_FOUND',
    message: e.message,
    details: { jobId: e.jobId, path: e.path },
  })),
  rule(OutputTypeError, (e) => ({
    status: 400,
    code: e.expected === 'file' ? 'OUTPUT_NOT_A_FILE' : 'OUTPUT_NOT_A_DIRECTORY',
    message: e.message,
    details: { path: e.path },
  })),
  rule(OutputTooLargeError, (e) => ({
    status: 413,
    code: 'OUTPUT_TOO_LARGE',
    message: e.message,
    details: { path: e.path, size: e.size, max: e.max },
  })),
  rule(RangeNotSatisfiableError, (e) => ({
    status: 416,
    code: 'RANGE_NOT_SATISFIABLE',
    message: e.message,
    details: { path: e.path, size: e.size },
    headers: { 'content-range': `bytes */${e.size}` },
  })),
  rule(JobNotFinishedError, (e) => ({
    status: 409,
    code: 'JOB_NOT_FINISHED',
    message: e.message,
    details: { jobId: e.jobId, status: e.status },
  })),
  rule(NoClusterAccountError, (e) => ({
    status: 403,
    code: 'NO_CLUSTER_ACCOUNT',
    message: e.message,
    details: { execSystemId: e.systemId },
  })),
  rule(NotAllowedError, (e) => ({
    status: 403,
    code: 'FORBIDDEN',
    message: e.message,
    details: { field: e.field },
  })),
  rule(UnknownSystemError, (e) => ({
    status: 400,
    code: 'UNKNOWN_EXEC_SYSTEM',
    message: e.message,
    details: { field: 'body.execSystemId', execSystemId: e.systemId },
  })),
  rule(InvalidJobRequestError, (e) => ({
    status: 400,
    code: 'VALIDATION_FAILED',
    message: e.message,
    details: { field: e.field },
  })),
  rule(InvalidCursorError, (e) => ({
    status: 400,
    code: 'INVALID_CURSOR',
    message: e.message,
    details: { field: 'querystring.cursor' },
  })),
  rule(InvalidTransitionError, (e) => ({
    status: 409,
    code: 'JOB_STATE_CHANGED',
    message: e.message,
    details: { jobId: e.jobId },
  })),
  rule(SchedulerUnavailableError, (e) => ({
    status: 503,
    code: 'SCHEDULER_UNAVAILABLE',
    message: e.message,
    details: { execSystemId: e.systemId },
  })),
  rule(SchedulerTimeoutError, (e) => ({
    status: 504,
    code: 'SCHEDULER_TIMEOUT',
    message: e.message,
    details: { execSystemId: e.systemId },
  })),
  rule(SubscriptionNotFoundError, (e) => ({
    status: 404,
    code: 'SUBSCRIPTION_NOT_FOUND',
    message: e.message,
    details: { subscriptionId: e.subscriptionId },
  })),
  rule(TooManySubscriptionsError, (e) => ({
    status: 409,
    code: 'TOO_MANY_SUBSCRIPTIONS',
    message: e.message,
    details: { limit: e.limit },
  })),
  rule(WebhookAddressForbiddenError, (e) => ({
    status: 400,
    code: 'WEBHOOK_ADDRESS_FORBIDDEN',
    message: e.message,
    details: { field: 'body.url', host: e.host, ...(e.address ? { address: e.address } : {}) },
  })),
  rule(WebhookUrlUnresolvableError, (e) => ({
    status: 400,
    code: 'WEBHOOK_URL_UNRESOLVABLE',
    message: e.message,
    details: { field: 'body.url', host: e.host },
  })),
  ...[SchedulerOutputTooLargeError, SchedulerCommandError].map((type) =>
    rule(type, (e) => ({
      status: 502,
      code: 'SCHEDULER_ERROR',
      message: e.message,
      details: { execSystemId: e.systemId },
    })),
  ),
];

function mapDomainError(err: Error): Mapped | undefined {
  return RULES.find((r) => err instanceof r.type)?.map(err);
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

/**
 * Fastify's routing failures (`frameworkErrors`), which otherwise answer with Fastify's own body:
 * a URL that does not decode (400 BAD_URL), a path parameter over `maxParamLength` (414).
 */
export function frameworkErrors(
  err: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (err.code === 'FST_ERR_BAD_URL') {
    reply.code(400).send(body('BAD_URL', 'the request URL is not valid (bad percent-encoding)'));
    return;
  }
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    reply.code(414).send(body('URI_TOO_LONG', 'a path segment of the URL is too long'));
    return;
  }
  request.log.error({ err }, 'routing error');
  reply.code(500).send(body('INTERNAL', 'internal error; see the gateway log'));
}

/**
 * An onRequest hook: a request target longer than `maxUrlBytes` is refused with 414 before
 * anything else (authentication included) looks at it. Longer than Node's `maxHeaderSize` (the
 * URL counts in it), the parser refuses it first: 431 from {@link clientErrorHandler}.
 */
export function uriLengthHook(maxUrlBytes: number) {
  // A callback hook: no promise per request.
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    const url = request.raw.url ?? '';
    // URLs are ASCII on the wire (Node refuses others), so length is bytes.
    if (url.length > maxUrlBytes) {
      done(
        new HttpError(
          414,
          'URI_TOO_LONG',
          `the request URL is ${url.length} bytes, more than the ${maxUrlBytes} allowed`,
          { maxUrlBytes },
        ),
      );
      return;
    }
    done();
  };
}

/**
 * Errors Node's HTTP parser raises before there is a request (Fastify's `clientErrorHandler`): the
 * answer is written on the socket by hand, in the same envelope as every other error, and the
 * connection is closed. Headers over `maxHeaderBytes` → 431 HEADERS_TOO_LARGE; headers or body
 * not received in time → 408 REQUEST_TIMEOUT; anything else → 400 BAD_REQUEST.
 */
export function clientErrorHandler(
  maxHeaderBytes: number,
): (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket) => void {
  return function onClientError(err, socket) {
    // A reset connection has no one to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    let status: number;
    let answer: ErrorBody;
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      answer = body(
        'HEADERS_TOO_LARGE',
        `the request line and headers exceed ${maxHeaderBytes} bytes`,
        { maxHeaderBytes },
      );
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      answer = body('REQUEST_TIMEOUT', 'the request was not received in time');
    } else {
      status = 400;
      answer = body('BAD_REQUEST', 'malformed HTTP request');
    }
    this.log.debug({ code: err.code, status }, 'refused a malformed or slow request');
    // Only when no answer to an earlier request on this connection is being written.
    const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !current?.headersSent) {
      const text = JSON.stringify(answer);
      // end(), not write() then destroy(): the client is often still sending (a huge header), and
      // closing with its bytes unread would reset the connection before it reads the answer. The
      // rest of what it sends is read and dropped (the parser let go of the socket) for a moment.
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
      socket.resume();
      setTimeout(() => socket.destroy(), 2_000).unref();
      return;
    }
    socket.destroy();
  };
}

function body(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return details ? { error: { code, message, details } } : { error: { code, message } };
}
