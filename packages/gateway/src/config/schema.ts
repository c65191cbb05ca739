import { z } from 'zod';

/** One Slurm cluster the gateway reaches over SSH. */
export const executionSystemSchema = z.object({
  id: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-" only'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a POSIX user name'),
  privateKeyPath: z.string().min(1),
  /** Partitions users may choose; empty means any (Slurm decides). */
  partitions: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/)).default([]),
  /** Poll cadence: fast while something just changed, idle otherwise. */
  pollFastMs: z.number().int().min(50).default(500),
  pollIdleMs: z.number().int().min(100).default(5_000),
  /** Channels open at once on the one SSH connection (sshd's MaxSessions caps it). */
  maxChannels: z.number().int().min(1).max(64).default(6),
  commandTimeoutMs: z.number().int().min(100).default(20_000),
  maxOutputBytes: z
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  /**
   * Where final records of jobs the controller already purged are read: `sacct` (slurmdbd
   * accounting, the usual) or `jobcomp` (`sacct --completion`, JobCompType=jobcomp/filetxt).
   */
  finishedJobSource: z.enum(['sacct', 'jobcomp']).default('sacct'),
});
export type ExecutionSystemConfig = z.infer<typeof executionSystemSchema>;

/** How bearer tokens are verified. There is no setting that turns verification off. */
export const authConfigSchema = z
  .object({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Keys that sign tokens: a JWKS file, or a JWKS URL fetched (and cached) by the gateway. */
    jwksFile: z.string().min(1).optional(),
    jwksUrl: z.url().optional(),
    /** The claim that names the job owner. */
    ownerClaim: z.string().min(1).default('sub'),
    algorithms: z
      .array(
        z.enum([
          'RS256',
          'RS384',
          'RS512',
          'PS256',
          'PS384',
          'PS512',
          'ES256',
          'ES384',
          'ES512',
          'EdDSA',
        ]),
      )
      .min(1)
      .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    clockToleranceSec: z.number().int().min(0).max(300).default(30),
  })
  .refine((a) => (a.jwksFile === undefined) !== (a.jwksUrl === undefined), {
    message: 'give exactly one of jwksFile or jwksUrl',
    path: ['jwksFile'],
  });
export type AuthConfig = z.infer<typeof authConfigSchema>;

export const gatewayConfigSchema = z
  .object({
    listen: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .prefault({}),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    auth: authConfigSchema,
    store: z
      .object({
        /** The SQLite database file (created with its directory); `:memory:` for a throwaway one. */
        sqlitePath: z.string().min(1).default('.hpcgate/gateway.db'),
      })
      .prefault({}),
    systems: z.array(executionSystemSchema).min(1, 'at least one execution system'),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.systems.forEach((s, i) => {
      if (seen.has(s.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['systems', i, 'id'],
          message: `duplicate id "${s.id}"`,
        });
      }
      seen.add(s.id);
    });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
