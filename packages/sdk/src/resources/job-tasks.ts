import { type JobTasks, jobTasksResponseSchema } from '@hpcgate/contract';
import type { RequestCore } from '../core/request.js';
import type { CallOptions } from './call-options.js';

/**
 * A job array's tasks (`GET /v3/jobs/{jobId}/tasks`), by index, a page at a time. Every page
 * carries the counts of all the tasks as they are when it is read (`summary`), so that a caller
 * who reads only some pages still knows where the whole array is.
 */

export interface GetJobTasksOptions extends CallOptions {
  jobId: string;
  /** Tasks per page, 1–1000 (the gateway's default: 100). */
  limit?: number;
  /** Tasks to pass over (what the previous page's `nextSkip` said). */
  skip?: number;
}

export type ListAllTasksOptions = Omit<GetJobTasksOptions, 'skip'>;

/** One page of the job's tasks; a job of one part has none (an empty page, `summary.total` 0). */
export async function getJobTasks(
  core: RequestCore,
  { jobId, limit, skip, signal }: GetJobTasksOptions,
): Promise<JobTasks> {
  const query: Record<string, number> = {};
  if (limit !== undefined) query.limit = limit;
  if (skip !== undefined) query.skip = skip;
  const { data } = await core.request({
    method: 'GET',
    path: `/v3/jobs/${encodeURIComponent(jobId)}/tasks`,
    query,
    signal,
    schema: jobTasksResponseSchema,
  });
  return data;
}

/**
 * Every page, in index order, until the gateway says there is no more (`nextSkip` null). Pages
 * rather than tasks: each page's `summary` is the freshest count, and a caller may stop between
 * pages (`break`) without having asked for more than it shows.
 */
export async function* listAllTasks(
  core: RequestCore,
  options: ListAllTasksOptions,
): AsyncGenerator<JobTasks> {
  let skip: number | null = 0;
  do {
    const page: JobTasks = await getJobTasks(core, { ...options, ...(skip ? { skip } : {}) });
    yield page;
    skip = page.nextSkip;
  } while (skip !== null);
}
