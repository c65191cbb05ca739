import type { FastifyBaseLogger } from 'fastify';
import { SchedulerCommandError } from '../scheduler/errors.js';
import type { BatchJobSpec } from '../scheduler/scheduler.js';
import type { JobRecord, JobStore } from '../store/job-store.js';
import { jobAccount } from './cluster-accounts.js';
import type { ExecutionSystem } from './execution-system.js';
import type { JobLocks } from './job-locks.js';
import type { JobWriter } from './job-writer.js';
import type { PollTrigger } from './poll-trigger.js';

/** Submissions whose outcome stayed unknown this many times fail for good. */
const MAX_SUBMIT_ATTEMPTS = 5;

/**
 * Hands jobs to their system's scheduler, in the background, one submission per job at a time.
 * A submission whose answer never came leaves the job in PROCESSING_INPUTS for the monitor to
 * find by its tag (or to submit again): a job is never submitted twice on purpose.
 */
export class Submitter {
  private readonly attempts = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly store: JobStore,
    private readonly writer: JobWriter,
    private readonly systems: Map<string, ExecutionSystem>,
    private readonly locks: JobLocks,
    private readonly polls: PollTrigger,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Submits in the background, under the job's lock; a second call while one runs joins it. */
  start(jobId: string): void {
    if (this.closed) return;
    this.locks
      .run(jobId, 'submit', 'submit', () => this.submitToScheduler(jobId))
      .catch((err: Error) => this.log.error({ jobId, err: err.message }, 'submission crashed'));
  }

  /** Takes no new submissions (those under way are waited for through the locks). */
  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async submitToScheduler(jobId: string): Promise<void> {
    // Read under the lock: a stop recorded meanwhile is seen here.
    const job = await this.store.get(jobId);
    if (!job || job.status !== 'PROCESSING_INPUTS') return;
    const system = this.systems.get(job.execSystemId)!;
    if (job.stopRequest) {
      // Stopped before it reached Slurm: it never will.
      await this.writer.apply(job.id, {
        steps: [{ status: 'CANCELLED', description: 'stopped before it was handed to Slurm' }],
        patch: {
          condition:
            job.stopRequest.mode === 'terminate' ? 'TERMINATED_BY_USER' : 'CANCELLED_BY_USER',
          ended: new Date().toISOString(),
          remoteDone: true,
          stopRequest: {
            ...job.stopRequest,
            outcome: 'CONFIRMED',
            message: 'never reached Slurm',
          },
        },
        expectStatus: ['PROCESSING_INPUTS'],
      });
      return;
    }
    let remoteJobId: string;
    try {
      remoteJobId = await system.scheduler.submit(toSpec(job), jobAccount(job, system));
      this.attempts.delete(job.id);
    } catch (err) {
      const message = (err as Error).message;
      const attempts = (this.attempts.get(job.id) ?? 0) + 1;
      this.attempts.set(job.id, attempts);
      // sbatch answered and refused: final. No answer (timeout, dropped connection): the job may
      // be queued all the same, so the monitor looks for its tag before submitting again.
      const refused = err instanceof SchedulerCommandError && err.exitCode !== null;
      if (!refused && attempts < MAX_SUBMIT_ATTEMPTS) {
        this.log.warn({ jobId: job.id, err: message, attempts }, 'submission outcome unknown');
        await this.writer.apply(job.id, {
          patch: {
            lastMessage: `submission outcome unknown (${message}); will look for it in Slurm`,
          },
          expectStatus: ['PROCESSING_INPUTS'],
        });
        return;
      }
      this.attempts.delete(job.id);
      this.log.warn({ jobId: job.id, err: message }, 'submission failed');
      await this.writer.apply(job.id, {
        steps: [{ status: 'FAILED', description: `submission failed: ${message}` }],
        patch: {
          condition: 'SUBMISSION_FAILED',
          lastMessage: message,
          ended: new Date().toISOString(),
          remoteDone: true,
        },
        expectStatus: ['PROCESSING_INPUTS'],
      });
      return;
    }
    await this.writer.apply(job.id, {
      steps: [{ status: 'PENDING', description: `queued by Slurm as job ${remoteJobId}` }],
      patch: {
        remoteJobId,
        remoteSubmitted: new Date().toISOString(),
        lastMessage: `submitted to Slurm as job ${remoteJobId}`,
      },
      events: [
        {
          event: 'REMOTE_SUBMITTED',
          actor: null,
          description: `sbatch returned job ${remoteJobId}`,
        },
      ],
      expectStatus: ['PROCESSING_INPUTS'],
    });
    this.polls.trigger(job.execSystemId);
  }
}

/** What the scheduler is asked to run, from the job as the user submitted it. */
export function toSpec(job: JobRecord): BatchJobSpec {
  return {
    gatewayJobId: job.id,
    name: job.name,
    script: job.script,
    command: job.command,
    args: job.args,
    env: job.env,
    workingDir: job.workingDir,
    partition: job.partition,
    nodes: job.nodes,
    cpusPerTask: job.cpusPerTask,
    memoryMB: job.memoryMB,
    maxMinutes: job.maxMinutes,
  };
}
