import { z } from 'zod';
import { jobOutputSummarySchema } from './job-output.js';
import { jobConditionSchema, jobStatusSchema, stopModeSchema } from './job-status.js';
import { arrayIndices, jobArraySchema, phasesSchema, taskSummarySchema } from './job-tasks.js';

/** No control characters (newlines included): the text may reach logs, terminals and Slurm. */
const SAFE_TEXT = /^\P{Cc}*$/u;

/** Names reach Slurm (as `--job-name`) and terminals: a conservative alphabet. */
export const jobNameSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._+:@=,-]*$/,
    'letters, digits, space and . _ + : @ = , - only, starting with a letter or digit',
  );

export const tagSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:=-]{0,63}$/, 'letters, digits and . _ : = - only (≤ 64)');

/** Names that would change how Slurm or the gateway's wrapper behave, not only the job. */
const RESERVED_ENV =
  /^(SLURM_|SBATCH_|SRUN_|SALLOC_|BASH|hpcgate_)|^(IFS|SHELLOPTS|UID|EUID|PPID)$/;

const noNul = (what: string) =>
  z.string().refine((s) => !s.includes('\u0000'), `${what} contains NUL`);

/**
 * A singleton job's key: while a job of the owner holding it has not ended, another submit with
 * it is refused (409 JOB_ALREADY_RUNNING). The name alphabet without the space.
 */
export const exclusiveKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._+:@=,-]*$/,
    'letters, digits and . _ + : @ = , - only, starting with a letter or digit',
  );

/**
 * The fields of a submit, without the rules between them: `POST /v3/jobs/{jobId}/resubmit` takes
 * each as an optional override.
 */
const submitJobFields = z.object({
  name: jobNameSchema,
  execSystemId: z.string().min(1).max(64),
  /** A whole batch script (any interpreter through its `#!` line; bash without one). */
  script: noNul('script')
    .pipe(
      z
        .string()
        .min(1)
        .max(1024 * 1024),
    )
    .optional(),
  /** Or one command line, run by bash. */
  command: noNul('command')
    .pipe(
      z
        .string()
        .min(1)
        .max(64 * 1024),
    )
    .optional(),
  /** The script's (or the command's) positional parameters `$1`…, each passed quoted, never re-parsed. */
  args: z
    .array(noNul('argument').pipe(z.string().max(64 * 1024)))
    .max(1000)
    .default([]),
  env: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name')
        .refine(
          (k) => !RESERVED_ENV.test(k),
          'SLURM_*, SBATCH_*, SRUN_*, SALLOC_*, BASH*, IFS and hpcgate_* are reserved',
        ),
      noNul('value').pipe(z.string().max(64 * 1024)),
    )
    .default({}),
  workingDir: z.string().min(1).max(4096).regex(SAFE_TEXT, 'no control characters').optional(),
  partition: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a partition name')
    .optional(),
  nodes: z.number().int().min(1).max(100_000).optional(),
  cpusPerTask: z.number().int().min(1).max(4096).optional(),
  memoryMB: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024 * 1024)
    .optional(),
  maxMinutes: z.number().int().min(1).max(525_600).optional(),
  tags: z.array(tagSchema).max(32).default([]),
  description: z.string().max(4096).regex(SAFE_TEXT, 'no control characters').optional(),
  /** A job array: one task per index, each running the script with SLURM_ARRAY_TASK_ID set. */
  array: jobArraySchema.optional(),
  /**
   * Or phases, run in order in one Slurm job (instead of script or command): a failing phase ends
   * the job FAILED and the later ones are skipped; a drain lets the running one finish.
   */
  phases: phasesSchema.optional(),
  /** A singleton: refused while a job of the owner with the same name has not ended. */
  exclusive: z.boolean().optional(),
  /** A singleton whose key is this instead of the name (several names may share one key). */
  exclusiveKey: exclusiveKeySchema.optional(),
});

/** `POST /v3/jobs/submit`. */
export const submitJobRequestSchema = submitJobFields
  .strict()
  .refine((r) => [r.script, r.command, r.phases].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of script, command or phases',
    path: ['script'],
  })
  .refine((r) => !(r.phases && r.array), {
    message: 'a job has phases or is an array, not both',
    path: ['phases'],
  })
  .refine((r) => !(r.exclusive === false && r.exclusiveKey !== undefined), {
    message: 'exclusiveKey makes the job exclusive: leave exclusive out (or true)',
    path: ['exclusive'],
  });
export type SubmitJobRequest = z.input<typeof submitJobRequestSchema>;
export type SubmitJobParams = z.output<typeof submitJobRequestSchema>;

/**
 * `POST /v3/jobs/{jobId}/resubmit`: any submit field, each replacing the old job's. Without the
 * submit's defaults: a field left out keeps the old job's value. `script`, `command` or `phases`
 * replaces all three, `exclusive` or `exclusiveKey` both; the result must pass the submit's schema.
 */
export const resubmitJobRequestSchema = submitJobFields
  .extend({
    args: submitJobFields.shape.args.unwrap(),
    env: submitJobFields.shape.env.unwrap(),
    tags: submitJobFields.shape.tags.unwrap(),
  })
  .partial()
  .strict();
export type ResubmitJobRequest = z.input<typeof resubmitJobRequestSchema>;
export type ResubmitJobOverrides = z.output<typeof resubmitJobRequestSchema>;

export const stopRequestSchema = z.object({
  mode: stopModeSchema,
  requestedBy: z.string(),
  requestedAt: z.string(),
  /** REQUESTED → SIGNALLED (Slurm accepted the signal) → CONFIRMED (Slurm says the job ended). */
  /** DRAINING: a drain reached Slurm; what runs goes on to its end. */
  outcome: z.enum(['REQUESTED', 'SIGNALLED', 'DRAINING', 'CONFIRMED', 'TOO_LATE', 'FAILED']),
  /** When the first signal reached the cluster, by the cluster's clock (Slurm's end times use it). */
  signalledAt: z.string().nullable().default(null),
  message: z.string().nullable(),
  /** A stop of some of an array's tasks only (Slurm's index list), or null for the whole job. */
  tasks: z.string().nullable().optional(),
  /** The stronger stops still to come if Slurm still runs the job, and when the next is due. */
  escalation: z
    .object({ steps: z.array(z.lazy(() => escalationStepSchema)), dueAt: z.string() })
    .nullable()
    .optional(),
});
export type StopRequest = z.infer<typeof stopRequestSchema>;

export const jobSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  owner: z.string(),
  execSystemId: z.string(),
  status: jobStatusSchema,
  condition: jobConditionSchema.nullable(),
  lastMessage: z.string().nullable(),
  remoteJobId: z.string().nullable(),
  /** The Unix account the job runs as on its system (null for jobs from before accounts). */
  remoteUser: z.string().nullable().default(null),
  remoteState: z.string().nullable(),
  remoteReason: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  exitSignal: z.number().int().nullable(),
  created: z.string(),
  remoteSubmitted: z.string().nullable(),
  remoteStarted: z.string().nullable(),
  ended: z.string().nullable(),
  lastUpdated: z.string(),
  stopRequest: stopRequestSchema.nullable(),
  // The submit parameters, as given.
  script: z.string().nullable(),
  command: z.string().nullable(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  workingDir: z.string().nullable(),
  partition: z.string().nullable(),
  nodes: z.number().nullable(),
  cpusPerTask: z.number().nullable(),
  memoryMB: z.number().nullable(),
  maxMinutes: z.number().nullable(),
  tags: z.array(z.string()),
  description: z.string().nullable(),
  /** What the gateway saved of the job's stdout and stderr (null: nothing yet). */
  output: jobOutputSummarySchema.nullable().default(null),
  /** A job array's tasks, counted by status (null for a job of one part). */
  tasks: taskSummarySchema.nullable().default(null),
  /** The array asked for (null for a job of one part). */
  array: jobArraySchema.nullable().default(null),
  /** The phases asked for (null for a job without). */
  phases: phasesSchema.nullable().default(null),
  /** The singleton key the job holds while it has not ended (its name for `exclusive: true`). */
  exclusiveKey: z.string().nullable().default(null),
  /** Left out of the owner's list (`includeHidden=true` shows it); readable and stoppable still. */
  hidden: z.boolean().default(false),
  /** The job this one is a resubmission of. */
  resubmittedFrom: z.uuid().nullable().default(null),
  /** The latest job resubmitted from this one. */
  resubmittedAs: z.uuid().nullable().default(null),
});
export type Job = z.infer<typeof jobSchema>;

export const jobStatusResponseSchema = z.object({
  status: jobStatusSchema,
  condition: jobConditionSchema.nullable(),
});

export const JOB_EVENT_TYPES = [
  'JOB_CREATED',
  'STATUS_CHANGED',
  'STOP_REQUESTED',
  'STOP_SIGNALLED',
  'STOP_FAILED',
  'REMOTE_SUBMITTED',
  /** A stop escalated to a stronger mode: the job still ran when the delay was over. */
  'STOP_ESCALATED',
  /** The job's stdout and stderr were saved by the gateway after it ended (sizes in the text). */
  'OUTPUT_COLLECTED',
  /** They were not (after a terminate, or the job never ran): the text says why. */
  'OUTPUT_NOT_COLLECTED',
  /** A new job was submitted from this one's parameters (its id in the text, and `resubmittedAs`). */
  'RESUBMITTED_AS',
] as const;

export const jobEventSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  event: z.enum(JOB_EVENT_TYPES),
  status: jobStatusSchema,
  actor: z.string().nullable(),
  description: z.string(),
});
export type JobEvent = z.infer<typeof jobEventSchema>;

export const jobHistoryResponseSchema = z.object({
  jobId: z.uuid(),
  events: z.array(jobEventSchema),
});

/** How strong each stop mode is: an escalation only goes up. */
export const STOP_MODE_STRENGTH = {
  drain: -1,
  interrupt: 0,
  cancel: 1,
  'force-stop': 2,
  terminate: 3,
} as const;

/** One step of an escalation: `to` is sent if Slurm still runs the job `afterSeconds` later. */
export const escalationStepSchema = z
  .object({
    afterSeconds: z.number().int().min(1).max(86_400),
    to: stopModeSchema.exclude(['interrupt', 'drain']),
  })
  .strict();
export type EscalationStep = z.infer<typeof escalationStepSchema>;

export const cancelJobRequestSchema = z
  .object({
    mode: stopModeSchema.default('cancel'),
    /** Seconds to wait for the job to reach a terminal state before answering. */
    wait: z.number().min(0).max(300).optional(),
    /**
     * Stronger stops to send if the job still runs: one step (`{ afterSeconds, to }`) or up to
     * three in order, each stronger than the one before (drain < interrupt < cancel < force-stop <
     * terminate). Each delay counts from the step before it.
     */
    /**
     * Only these tasks of a job array (`"5-9"`, `"1,3"`): cancel or interrupt them, the others go
     * on. Not with escalate.
     */
    tasks: z
      .string()
      .max(1024)
      .refine((t) => arrayIndices(t) !== null, 'task indices like "5-9" or "1,3,7-9"')
      .optional(),
    escalate: z
      .union([escalationStepSchema, z.array(escalationStepSchema).min(1).max(3)])
      .transform((e) => (Array.isArray(e) ? e : [e]))
      .optional(),
  })
  .strict()
  .refine(
    (r) =>
      // Zod runs refinements on input that failed already: only a well-formed list is judged.
      !Array.isArray(r.escalate) ||
      r.escalate.every(
        (step, i, all) =>
          STOP_MODE_STRENGTH[step.to] >
          STOP_MODE_STRENGTH[i === 0 ? r.mode : (all[i - 1] as EscalationStep).to],
      ),
    {
      message:
        'each escalation step must be stronger than the one before it (drain < interrupt < cancel < force-stop < terminate)',
      path: ['escalate'],
    },
  )
  .refine((r) => r.tasks === undefined || r.mode === 'cancel' || r.mode === 'interrupt', {
    message: 'tasks can be cancelled or interrupted, not stopped in another mode',
    path: ['tasks'],
  })
  .refine((r) => r.tasks === undefined || r.escalate === undefined, {
    message: 'a stop of some tasks does not escalate',
    path: ['escalate'],
  });

export type CancelJobRequest = z.input<typeof cancelJobRequestSchema>;

/** A comma-separated (or repeated) query parameter; given, it must name at least one value. */
const csv = <T extends z.ZodType<unknown, string>>(item: T, what: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter(Boolean))
    .pipe(z.array(item).min(1, `give at least one ${what} (or leave the parameter out)`));

/** The most jobs one list page holds (a page also stops at about 1 MiB of jobs). */
export const MAX_LIST_LIMIT = 500;

/** Every user's jobs, where an admin names an owner. */
export const ALL_OWNERS = '*';
/** A user's name, or {@link ALL_OWNERS}. */
export const ownerScopeSchema = z.string().min(1).max(256);

export const listJobsQuerySchema = z
  .object({
    status: csv(jobStatusSchema, 'status').optional(),
    name: z.string().max(128).optional(),
    execSystemId: z.string().max(64).optional(),
    tags: csv(tagSchema, 'tag').optional(),
    createdAfter: z.iso.datetime({ offset: true }).optional(),
    createdBefore: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(100),
    cursor: z.string().max(512).optional(),
    /** Hidden jobs too (`POST /v3/jobs/{jobId}/hide`); `true` or `false` in a query string. */
    includeHidden: z
      .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
      .optional(),
    /** Whose jobs: admins only (anyone else may name only themselves); `*` for every user's. */
    owner: ownerScopeSchema.optional(),
  })
  .strict();
export type ListJobsQuery = z.input<typeof listJobsQuerySchema>;
export type ListJobsFilter = z.output<typeof listJobsQuerySchema>;

export const jobListResponseSchema = z.object({
  jobs: z.array(jobSchema),
  nextCursor: z.string().nullable(),
});
export type JobList = z.infer<typeof jobListResponseSchema>;

export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The most jobs one bulk stop may select (by ids or by any other criteria). */
export const MAX_BULK_STOP = 10_000;

/**
 * Which of the caller's jobs a bulk stop applies to; several criteria must all hold. A criterion
 * given must name something: an empty list (or system id) is refused, never read as "any".
 */
export const jobSelectorSchema = z
  .object({
    ids: z
      .array(z.uuid())
      .min(1, 'give at least one job id (or leave ids out)')
      .max(MAX_BULK_STOP)
      .optional(),
    /** Exact names or patterns with `*` wildcards; a job matching any of them counts. */
    names: z
      .array(z.string().min(1).max(128))
      .min(1, 'give at least one name or pattern (or leave names out)')
      .max(100)
      .optional(),
    /** A job in any of these statuses counts. */
    status: z
      .array(jobStatusSchema)
      .min(1, 'give at least one status (or leave status out)')
      .optional(),
    execSystemId: z
      .string()
      .min(1, 'give a system id (or leave execSystemId out)')
      .max(64)
      .optional(),
    /** A job carrying all of these tags counts. */
    tags: z.array(tagSchema).min(1, 'give at least one tag (or leave tags out)').max(32).optional(),
    /**
     * Whose jobs (admins only; anyone else may name only themselves), `*` for every user's. A
     * scope, not a criterion: at least one of the criteria above is still needed.
     */
    owner: ownerScopeSchema.optional(),
  })
  .strict()
  .refine(({ owner: _, ...criteria }) => Object.values(criteria).some((v) => v !== undefined), {
    message: 'name at least one of ids, names, status, execSystemId, tags',
  });
export type JobSelector = z.infer<typeof jobSelectorSchema>;

/** `POST /v3/jobs/stop`. */
export const stopJobsRequestSchema = z
  .object({
    selector: jobSelectorSchema,
    mode: stopModeSchema.default('cancel'),
    /** List what would be stopped, and stop nothing. */
    whatIf: z.boolean().default(false),
  })
  .strict();
export type StopJobsRequest = z.input<typeof stopJobsRequestSchema>;

export const stopJobResultSchema = z.object({
  jobId: z.uuid(),
  name: z.string(),
  outcome: z.enum(['stopped', 'would_stop', 'not_cancellable', 'error']),
  /** The job's status after the request (before it, for whatIf). */
  status: jobStatusSchema,
  message: z.string().nullable(),
  job: jobSchema.nullable(),
});
export type StopJobResult = z.infer<typeof stopJobResultSchema>;

/**
 * What a bulk stop did as a whole: STOPPED (whatIf: WOULD_STOP) when at least one matched job had
 * not ended and was stopped (each result says how that went), NO_JOBS_RUNNING when none matched
 * or every match had already ended: a safe "abandon", a success either way.
 */
export const STOP_JOBS_STATUSES = ['STOPPED', 'WOULD_STOP', 'NO_JOBS_RUNNING'] as const;
export type StopJobsStatus = (typeof STOP_JOBS_STATUSES)[number];

export const stopJobsResponseSchema = z.object({
  mode: stopModeSchema,
  whatIf: z.boolean(),
  status: z.enum(STOP_JOBS_STATUSES),
  /**
   * One sentence naming the selector, e.g. "no job executions are currently running that match
   * names=[nightly-*]".
   */
  message: z.string(),
  results: z.array(stopJobResultSchema),
});
export type StopJobsResponse = z.infer<typeof stopJobsResponseSchema>;
