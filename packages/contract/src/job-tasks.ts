import { z } from 'zod';

/**
 * The parts of a job of many parts: the tasks of a job array (one per index). Each has its own
 * status; the job's status sums them up.
 */
export const TASK_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  /** Stopped while it ran. */
  'CANCELED',
  /** Never started: skipped by a drain, or a stop of the job before its turn. */
  'SKIPPED',
] as const;
export const taskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/** The most tasks one array may have (Slurm's own MaxArraySize may be lower: sbatch says so). */
export const MAX_ARRAY_TASKS = 10_000;

/** `1-100`, `1,3,7-9`: Slurm's index list, without steps. */
const INDICES = /^\d{1,7}(-\d{1,7})?(,\d{1,7}(-\d{1,7})?)*$/;

/** The indices an index list names, in order, once each; null when it is malformed. */
export function arrayIndices(indices: string, max = MAX_ARRAY_TASKS): number[] | null {
  if (!INDICES.test(indices)) return null;
  const out = new Set<number>();
  for (const part of indices.split(',')) {
    const [a, b] = part.split('-').map(Number) as [number, number | undefined];
    const end = b ?? a;
    if (end < a) return null;
    for (let i = a; i <= end; i++) {
      out.add(i);
      if (out.size > max) return null;
    }
  }
  return [...out].sort((x, y) => x - y);
}

/** `array` of `POST /v3/jobs/submit`: a job array, one task per index. */
export const jobArraySchema = z
  .object({
    indices: z
      .string()
      .max(1024)
      .refine(
        (s) => arrayIndices(s) !== null,
        `indices like "1-100" or "1,3,7-9" (ascending ranges), at most ${MAX_ARRAY_TASKS} tasks`,
      ),
    /** How many tasks may run at once (Slurm's `%`). */
    maxParallel: z.number().int().min(1).max(MAX_ARRAY_TASKS).optional(),
  })
  .strict();
export type JobArray = z.infer<typeof jobArraySchema>;

/** A phase's name: what the tasks of a phased job are called. */
export const phaseNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits and . _ - only (≤ 64)');

/** The most phases one job may have. */
export const MAX_PHASES = 32;

/** One phase of `phases` (`POST /v3/jobs/submit`): a command or a script, run in order. */
export const phaseSchema = z
  .object({
    name: phaseNameSchema,
    command: z
      .string()
      .min(1)
      .max(64 * 1024)
      .refine((s) => !s.includes('\u0000'), 'command contains NUL')
      .optional(),
    script: z
      .string()
      .min(1)
      .max(1024 * 1024)
      .refine((s) => !s.includes('\u0000'), 'script contains NUL')
      .optional(),
  })
  .strict()
  .refine((p) => (p.command === undefined) !== (p.script === undefined), {
    message: 'give each phase exactly one of command or script',
  });
export type Phase = z.infer<typeof phaseSchema>;

export const phasesSchema = z
  .array(phaseSchema)
  .min(1)
  .max(MAX_PHASES)
  .refine((ps) => new Set(ps.map((p) => p.name)).size === ps.length, 'phase names must differ');

export const taskSchema = z.object({
  /** The array index, or the phase's number (1 for the first). */
  index: z.number().int(),
  /** The phase's name (null for an array's task). */
  name: z.string().nullable().default(null),
  status: taskStatusSchema,
  /** Slurm's own word for the task, as last polled. */
  remoteState: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  started: z.string().nullable(),
  ended: z.string().nullable(),
});
export type JobTask = z.infer<typeof taskSchema>;

/** How many of a job's tasks are in each status (the job's `tasks` field). */
export const taskSummarySchema = z.object({
  total: z.number().int(),
  counts: z.record(taskStatusSchema, z.number().int()),
});
export type TaskSummary = z.infer<typeof taskSummarySchema>;

export const jobTasksQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    skip: z.coerce.number().int().min(0).max(MAX_ARRAY_TASKS).default(0),
  })
  .strict();
export type JobTasksQuery = z.input<typeof jobTasksQuerySchema>;

/** `GET /v3/jobs/{jobId}/tasks`: by index, one page. */
export const jobTasksResponseSchema = z.object({
  jobId: z.uuid(),
  summary: taskSummarySchema,
  tasks: z.array(taskSchema),
  nextSkip: z.number().int().nullable(),
});
export type JobTasks = z.infer<typeof jobTasksResponseSchema>;
