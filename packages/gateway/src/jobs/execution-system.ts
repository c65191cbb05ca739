import type { ExecutionSystemConfig } from '../config/schema.js';
import type { Scheduler } from '../scheduler/scheduler.js';

/** One configured cluster and the scheduler that reaches it. */
export interface ExecutionSystem {
  config: ExecutionSystemConfig;
  scheduler: Scheduler;
}
