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
});
export type ExecutionSystemConfig = z.infer<typeof executionSystemSchema>;

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
