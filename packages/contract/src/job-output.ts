import { z } from 'zod';

/**
 * A job's files on its system: the job directory the gateway made for it (its stdout and stderr
 * are `stdout` and `stderr` there), and the copies of those two the gateway saved itself.
 */

/** The two logs of every job, by the names they have in its directory. */
export const LOG_STREAMS = ['stdout', 'stderr'] as const;
export const logStreamSchema = z.enum(LOG_STREAMS);
export type LogStream = z.infer<typeof logStreamSchema>;

/** The most entries one output list page holds. */
export const MAX_OUTPUT_LIST_LIMIT = 1000;

/**
 * A path inside the job directory, as the output routes take it: relative, `/`-separated, no `.`
 * or `..` segment, no NUL or other control character. Where a symlink leads is checked on the
 * cluster (outside the job directory: not found).
 */
export const outputPathSchema = z
  .string()
  .max(4096)
  .refine((p) => !p.startsWith('/'), 'a path inside the job directory (relative, no leading /)')
  .refine((p) => !/\p{Cc}/u.test(p), 'no NUL or other control characters')
  .refine(
    (p) => p.split('/').every((s) => s !== '..' && s !== '.' && s.length <= 255),
    'no "." or ".." segments, and segments of at most 255 bytes',
  );

export const outputEntrySchema = z.object({
  /** The entry's name in its directory. */
  name: z.string(),
  /** Its path from the job directory: what `output/download/{path}` takes. */
  path: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'other']),
  size: z.number().int().min(0),
  /** Last modification, by the cluster's clock. */
  modified: z.string(),
});
export type OutputEntry = z.infer<typeof outputEntrySchema>;

/** `GET /v3/jobs/{jobId}/output/list[/{path}]` (Tapis's `limit` and `skip`), by name. */
export const outputListQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_OUTPUT_LIST_LIMIT).default(100),
    skip: z.coerce.number().int().min(0).max(10_000_000).default(0),
  })
  .strict();
export type OutputListQuery = z.input<typeof outputListQuerySchema>;

export const outputListResponseSchema = z.object({
  jobId: z.uuid(),
  /** The directory listed, from the job directory ("" for the job directory itself). */
  path: z.string(),
  entries: z.array(outputEntrySchema),
  /** The `skip` of the next page, or null on the last one. */
  nextSkip: z.number().int().nullable(),
});
export type OutputList = z.infer<typeof outputListResponseSchema>;

const booleanQuery = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/**
 * `GET /v3/jobs/{jobId}/output/download/{path}`: the file's bytes, with `Range: bytes=…` (one
 * range). `allowIfRunning=false` refuses while the job has not ended (409), as Tapis's default
 * does; hpcgate's default is to read a running job's files, which is what a live view needs.
 */
export const outputDownloadQuerySchema = z
  .object({ allowIfRunning: booleanQuery.default(true) })
  .strict();
export type OutputDownloadQuery = z.input<typeof outputDownloadQuerySchema>;

/**
 * `GET /v3/jobs/{jobId}/logs` as Server-Sent Events: `log` events (SSE id: the byte offset after
 * the event, which `Last-Event-ID` or `offset` resumes from), a `skipped` event where bytes were
 * left out, and `end` once the job is over and everything was sent (or, without `follow`, once
 * what was written so far was sent).
 */
export const logsQuerySchema = z
  .object({
    stream: logStreamSchema.default('stdout'),
    follow: booleanQuery.default(false),
    /** A job array's task: its own log (`stdout.<task>`) instead of the job's. */
    task: z.coerce.number().int().min(0).max(9_999_999).optional(),
    /** The byte to start at (the `Last-Event-ID` header wins). */
    offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  })
  .strict();
export type LogsQuery = z.input<typeof logsQuerySchema>;

/** The `data:` of a `log` event: whole lines (the last one may lack its newline once the job ended). */
export const logChunkSchema = z.object({
  /** The byte offset of `text`'s first byte in the log. */
  offset: z.number().int().min(0),
  /** The bytes as UTF-8 (invalid sequences as U+FFFD; offsets count the bytes as written). */
  text: z.string(),
  /** The offset after this chunk (also the event's SSE id). */
  next: z.number().int().min(0),
});
export type LogChunk = z.infer<typeof logChunkSchema>;

/** The `data:` of a `skipped` event: bytes `[from, to)` are not sent (read them with a download). */
export const logSkippedSchema = z.object({
  from: z.number().int().min(0),
  to: z.number().int().min(0),
  reason: z.string(),
});
export type LogSkipped = z.infer<typeof logSkippedSchema>;

/** The `data:` of the `end` event. */
export const logEndSchema = z.object({
  jobId: z.uuid(),
  /** The job's status when the stream ended. */
  status: z.string(),
  /** The offset after the last byte sent. */
  offset: z.number().int().min(0),
  /**
   * Where the bytes came from: the job directory on the cluster, the copy the gateway saved when
   * the job ended, or the last periodic copy (the job was terminated, or its directory is gone).
   */
  source: z.enum(['cluster', 'collected', 'periodic']),
});
export type LogEnd = z.infer<typeof logEndSchema>;

/** What the gateway saved of a job's logs (the job's `output` field). */
export const jobOutputSummarySchema = z.object({
  /** stdout and stderr were collected after the job ended (not after a terminate). */
  collected: z.boolean(),
  /** When the saved copy was taken: after the end, or the last periodic copy of a running job. */
  at: z.string().nullable(),
  /** Bytes saved, stdout and stderr together. */
  bytes: z.number().int().min(0),
  /** Some bytes were left out: only the last part of a log longer than the bound was kept. */
  truncated: z.boolean(),
});
export type JobOutputSummary = z.infer<typeof jobOutputSummarySchema>;
