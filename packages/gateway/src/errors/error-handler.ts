import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** A failure the client should see as it is: a status, a stable code and a message. */
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

/** The one place where errors become HTTP answers. Nothing else writes an error body. */
export function installErrorHandler(fastify: FastifyInstance): void {
  fastify.setErrorHandler((err: FastifyError | HttpError | Error, request, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).send(body(err.code, err.message, err.details));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        field: [err.validationContext, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message ?? 'invalid',
      }));
      const first = issues[0];
      return reply
        .code(400)
        .send(
          body(
            'VALIDATION_FAILED',
            first ? `${first.field}: ${first.message}` : 'invalid request',
            { issues },
          ),
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
    reply.code(404).send(body('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url}`));
  });
}

function body(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return details ? { error: { code, message, details } } : { error: { code, message } };
}
