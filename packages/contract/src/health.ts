import { z } from 'zod';

export const systemReachabilitySchema = z.object({
  reachable: z.boolean(),
  latencyMs: z.number().nullable(),
  error: z.string().nullable(),
  checkedAt: z.string(),
});

export const pollCycleSchema = z
  .object({
    at: z.string(),
    watchedJobs: z.number(),
    commands: z.number(),
    durationMs: z.number(),
    error: z.string().nullable(),
  })
  .nullable();

/** `GET /healthz`. */
export const healthzResponseSchema = z.object({
  status: z.literal('ok'),
  systems: z.record(z.string(), systemReachabilitySchema),
});
export type Healthz = z.infer<typeof healthzResponseSchema>;

/** `GET /readyz` (200 or 503). */
export const readyzResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  store: z.object({
    ok: z.boolean(),
    error: z.string().nullable(),
    /** A pooled store's connections (PostgreSQL); null for SQLite, absent from older gateways. */
    pool: z
      .object({ total: z.number(), idle: z.number(), waiting: z.number(), max: z.number() })
      .nullable()
      .optional(),
  }),
  systems: z.record(
    z.string(),
    systemReachabilitySchema.extend({
      lastPollCycle: pollCycleSchema,
      /** SSH connections the gateway holds to the system now (one per active account), and the bound. */
      connections: z.object({ open: z.number(), max: z.number() }).optional(),
    }),
  ),
});
export type Readyz = z.infer<typeof readyzResponseSchema>;
