import { z } from 'zod';
import { jobEventSchema, listJobsQuerySchema } from './job.js';

/**
 * One event of `GET /v3/jobs/{jobId}/events` or `GET /v3/jobs/events` (the `data:` line, as JSON):
 * a history event as `GET /v3/jobs/{jobId}/history` returns it, plus the job it belongs to.
 */
export const jobStreamEventSchema = jobEventSchema.extend({ jobId: z.uuid() });
export type JobStreamEvent = z.infer<typeof jobStreamEventSchema>;

/** The `data:` of the `end` event that closes a one-job stream once the job is over. */
export const jobStreamEndSchema = z.object({
  jobId: z.uuid(),
  status: jobEventSchema.shape.status,
});
export type JobStreamEnd = z.infer<typeof jobStreamEndSchema>;

/**
 * Where a stream resumes: the SSE `id` of the last event the client has (the job's `seq` on the
 * one-job stream, the gateway-wide event id on the all-jobs stream). `Last-Event-ID`, when sent,
 * wins over `after`.
 */
const after = z.coerce
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER)
  .optional()
  .describe('replay the events after this SSE id, then go live (the Last-Event-ID header wins)');

export const jobEventsQuerySchema = z.object({ after }).strict();
export type JobEventsQuery = z.input<typeof jobEventsQuerySchema>;

/**
 * `GET /v3/jobs/events`: the caller's jobs, narrowed as `GET /v3/jobs/list` narrows them (`name`
 * with `*`, every one of `tags`); `status` keeps the events whose status (the job's status once
 * the event was written) is one of these.
 */
export const allJobEventsQuerySchema = listJobsQuerySchema
  .pick({ status: true, name: true, tags: true, owner: true })
  .extend({ after })
  .strict();
export type AllJobEventsQuery = z.input<typeof allJobEventsQuerySchema>;
export type AllJobEventsFilter = z.output<typeof allJobEventsQuerySchema>;
