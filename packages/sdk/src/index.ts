export type {
  CancelJobRequest,
  EscalationStep,
  Healthz,
  Job,
  JobArray,
  JobEvent,
  JobList,
  JobSelector,
  JobStatus,
  JobStreamEnd,
  JobStreamEvent,
  JobTask,
  JobTasks,
  ListJobsQuery,
  LogEnd,
  LogStream,
  OutputEntry,
  OutputList,
  Readyz,
  ResubmitJobRequest,
  StopJobResult,
  StopJobsResponse,
  StopJobsStatus,
  StopMode,
  SubmitJobRequest,
  TaskStatus,
  TaskSummary,
} from '@hpcgate/contract';
// Webhooks: subscriptions, their delivery log, and what a receiver gets (docs/webhooks.md).
export {
  type CreatedSubscription,
  type CreateSubscriptionRequest,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryList,
  type ListDeliveriesQuery,
  type ListSubscriptionsQuery,
  type Subscription,
  type SubscriptionEventType,
  type SubscriptionList,
  type SubscriptionSelector,
  WEBHOOK_HEADERS,
  type WebhookJob,
  type WebhookPayload,
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
export {
  type FollowLogsOptions,
  JobLogStream,
  type LogGap,
  type LogItem,
  type LogLine,
} from './resources/job-logs.js';
export type {
  ByteRange,
  ContentRange,
  DownloadedFile,
  DownloadOutputOptions,
  DownloadOutputToFileOptions,
  ListOutputOptions,
  OutputDownload,
} from './resources/job-output.js';
export type { GetJobTasksOptions, ListAllTasksOptions } from './resources/job-tasks.js';
export type { CallOptions, CancelJobOptions, WaitForJobOptions } from './resources/jobs.js';
export { Subscriptions, verifyWebhookSignature } from './resources/subscriptions.js';
