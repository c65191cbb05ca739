export type {
  Healthz,
  Job,
  JobEvent,
  JobList,
  JobSelector,
  JobStatus,
  JobStreamEnd,
  JobStreamEvent,
  ListJobsQuery,
  Readyz,
  StopJobResult,
  StopJobsResponse,
  StopMode,
  SubmitJobRequest,
} from '@hpcgate/contract';
export * from './auth/index.js';
export { Hpcgate } from './client.js';
export * from './core/errors.js';
export type { ClientOptions } from './core/request.js';
export {
  JobEventStream,
  type JobEventsOptions,
  type JobEventsSelector,
} from './resources/job-events.js';
export type { CallOptions, WaitForJobOptions } from './resources/jobs.js';
