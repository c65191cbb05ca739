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
  /** This gateway, among its replicas (absent from older gateways). */
  replica: z
    .object({
      id: z.string(),
      /** `process`: one gateway on an embedded store; `postgres`: replicas agree in the database. */
      coordination: z.enum(['process', 'postgres']),
    })
    .optional(),
  /**
   * The leases replicas share out: `poll:<system>` (who polls it) and `webhooks` (who sends
   * deliveries). The holder, the epoch (raised at every takeover), when it lapses unless renewed.
   */
  leases: z
    .array(
      z.object({
        name: z.string(),
        holder: z.string().nullable(),
        epoch: z.number(),
        expiresAt: z.string().nullable(),
        heldHere: z.boolean(),
      }),
    )
    .optional(),
});
export type Readyz = z.infer<typeof readyzResponseSchema>;
