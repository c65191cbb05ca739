import { errorBodySchema } from '@hpcgate/contract';
import { z } from 'zod';

/** What every `/v3/jobs` route shares: the job id parameter, the error answers, the security. */
export const jobIdParams = z.object({ jobId: z.uuid({ error: 'jobId must be a UUID' }) });

/** Every route can answer these (409 IDEMPOTENCY_KEY_IN_USE, 429 limits, 5xx the cluster's). */
export const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  429: errorBodySchema,
  500: errorBodySchema,
  502: errorBodySchema,
  503: errorBodySchema,
  504: errorBodySchema,
} as const;

export const security = [{ bearerAuth: [] }];

/** The POST routes that honour `Idempotency-Key` (with `preHandler: fastify.idempotent`). */
export const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('retries with the same key get the first answer again; nothing is done twice'),
});
