export * from './health.js';
export * from './job.js';
export * from './job-status.js';
