import { z } from 'zod';

/** The job lifecycle: three non-terminal states, three terminal ones. */
export const JOB_STATUSES = [
  'PROCESSING_INPUTS',
  'PENDING',
  'RUNNING',
  'FINISHED',
  'FAILED',
  'CANCELLED',
] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const NON_TERMINAL_STATUSES = ['PROCESSING_INPUTS', 'PENDING', 'RUNNING'] as const;
export const TERMINAL_STATUSES = ['FINISHED', 'FAILED', 'CANCELLED'] as const;

export function isTerminal(status: JobStatus): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** How a user asks a job to stop. */
/**
 * `drain` starts nothing new: pending tasks (or a pending job) are skipped, running ones finish.
 */
export const STOP_MODES = ['cancel', 'interrupt', 'force-stop', 'terminate', 'drain'] as const;
export const stopModeSchema = z.enum(STOP_MODES);
export type StopMode = z.infer<typeof stopModeSchema>;

/** Why a job ended (or, for a few, why it is where it is). */
export const JOB_CONDITIONS = [
  'NORMAL_COMPLETION',
  'JOB_EXIT_NONZERO',
  'JOB_KILLED_BY_SIGNAL',
  'CANCELLED_BY_USER',
  'INTERRUPTED_BY_USER',
  'FORCE_STOPPED_BY_USER',
  'TERMINATED_BY_USER',
  /** Drained: what ran finished, what had not started was skipped. */
  'DRAINED_BY_USER',
  'SCHEDULER_CANCELLED',
  'SCHEDULER_TIMEOUT',
  'SCHEDULER_OUT_OF_MEMORY',
  'SCHEDULER_NODE_FAIL',
  'SCHEDULER_PREEMPTED',
  'SCHEDULER_DEADLINE',
  'SCHEDULER_FAILED',
  'SUBMISSION_FAILED',
  /** Slurm no longer knows the job under its id (or the id now belongs to another job). */
  'REMOTE_JOB_LOST',
] as const;
export const jobConditionSchema = z.enum(JOB_CONDITIONS);
export type JobCondition = z.infer<typeof jobConditionSchema>;

/** The condition a job ends with when a user's stop request ended it. */
export const CONDITION_FOR_STOP_MODE: Record<StopMode, JobCondition> = {
  cancel: 'CANCELLED_BY_USER',
  interrupt: 'INTERRUPTED_BY_USER',
  'force-stop': 'FORCE_STOPPED_BY_USER',
  terminate: 'TERMINATED_BY_USER',
  drain: 'DRAINED_BY_USER',
};
