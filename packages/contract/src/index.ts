export * from './health.js';
export * from './job.js';
export * from './job-event-stream.js';
export * from './job-output.js';
export * from './job-status.js';
export * from './job-tasks.js';
export * from './subscription.js';
