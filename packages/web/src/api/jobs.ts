import type {
  Job,
  JobEvent,
  JobList,
  JobSelector,
  JobTasks,
  LogStream,
  OutputList,
  StopJobsResponse,
  StopMode,
} from '@hpcgate/contract';
import { api } from './session.js';

const job = (id: string) => `/v3/jobs/${encodeURIComponent(id)}`;

export const listJobs = (query: string) => api.get<JobList>(`/v3/jobs/list${query}`);

export const getJob = (id: string) => api.get<Job>(job(id));

export const getHistory = (id: string) =>
  api.get<{ jobId: string; events: JobEvent[] }>(`${job(id)}/history`);

export const getTasks = (id: string) => api.get<JobTasks>(`${job(id)}/tasks?limit=1000`);

export const listOutput = (id: string) => api.get<OutputList>(`${job(id)}/output/list?limit=1000`);

export const cancelJob = (id: string, mode: StopMode) =>
  api.post<Job>(`${job(id)}/cancel`, { mode });

export const stopJobs = (selector: JobSelector, mode: StopMode, whatIf: boolean) =>
  api.post<StopJobsResponse>('/v3/jobs/stop', { selector, mode, whatIf });

/** The all-jobs stream (`query` from `eventsQuery`). */
export const allEventsUrl = (query: string) => `/v3/jobs/events${query}`;

/** One job's stream: its history first, then live, `event: end` once it is over. */
export const jobEventsUrl = (id: string) => `${job(id)}/events`;

export const logsUrl = (id: string, stream: LogStream) =>
  `${job(id)}/logs?stream=${stream}&follow=true`;

/** A file of the job directory, each path segment encoded on its own. */
export function downloadHref(id: string, path: string): string {
  return `${job(id)}/output/download/${path.split('/').map(encodeURIComponent).join('/')}`;
}
