import { isTerminal, type JobOutputSummary, LOG_STREAMS, type LogStream } from '@hpcgate/contract';
import type { FastifyBaseLogger } from 'fastify';
import type { JobRecord, JobStore, SavedLog, WatchedJob } from '../../store/job-store.js';
import type { ExecutionSystem } from '../execution-system.js';
import type { JobEvents } from '../job-events.js';
import type { JobWriter } from '../job-writer.js';
import { refreshPhaseTasks } from '../phase-record.js';
import type { OutputsConfig } from './job-outputs.js';

/** Jobs whose logs are read at once (each read is one SSH stream per log). */
const CONCURRENCY = 4;
/** Waits before reading an ended job's logs again after a failure; then it is given up. */
const RETRY_MS = [1_000, 5_000, 25_000];

interface Tail {
  start: number;
  size: number;
  content: Buffer;
}

/**
 * Keeps copies of jobs' stdout and stderr in the gateway's store, as the stop modes promise:
 * - when a job ends (normally, or after cancel, interrupt or force-stop), the last
 *   `collectBytes` of each log, recorded as OUTPUT_COLLECTED with the sizes;
 * - after a terminate, nothing (OUTPUT_NOT_COLLECTED), but the periodic copy stays;
 * - while jobs run, every `periodicMs`, the last `periodicBytes` of each log.
 * It hears of ends from the JobWriter's events and writes through the JobWriter; it never calls
 * back into the monitor or the stopper.
 */
export class LogCollector {
  private readonly decided = new Set<string>();
  private readonly queue: string[] = [];
  private active = 0;
  private unsubscribe: () => void = () => {};
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private periodicRunning = false;
  private readonly retries = new Map<string, number>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly store: JobStore,
    private readonly systems: ReadonlyMap<string, ExecutionSystem>,
    private readonly events: JobEvents,
    private readonly writer: JobWriter,
    private readonly config: OutputsConfig,
    private readonly log: FastifyBaseLogger,
    /** Whether this replica polls the system now (one process: always). */
    private readonly ownsSystem: (systemId: string) => boolean = () => true,
  ) {}

  start(): void {
    if (!this.config.collect) return;
    // The replica that wrote the end collects (once), not every replica that hears of it.
    this.unsubscribe = this.events.subscribeWritten((job) => {
      if (isTerminal(job.status) && job.remoteDone && !this.decided.has(job.id)) {
        this.decided.add(job.id);
        this.enqueue(job.id);
      }
    });
    if (this.config.periodicMs > 0) {
      this.timer = setInterval(() => void this.periodic(), this.config.periodicMs);
      this.timer.unref();
    }
  }

  /** Stops taking work and waits for the reads under way. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.timer);
    await Promise.allSettled([...this.pending]);
  }

  private enqueue(jobId: string): void {
    this.queue.push(jobId);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.active < CONCURRENCY && this.queue.length > 0) {
      const jobId = this.queue.shift() as string;
      this.active++;
      const run = this.collect(jobId).finally(() => {
        this.active--;
        this.pending.delete(run);
        this.pump();
      });
      this.pending.add(run);
    }
  }

  /** The end of one job: its logs saved, or why not, in its history (and a phased job's phases). */
  private async collect(jobId: string): Promise<void> {
    const job = await this.store.get(jobId);
    if (!job) return;
    await this.savePhases(job).catch((err: Error) =>
      this.log.warn({ jobId, err: err.message }, "could not read a phased job's phases"),
    );
    if (job.stopRequest?.mode === 'terminate') {
      const kept = job.output?.at
        ? `the copy saved while it ran (${job.output.at}, ${job.output.bytes} bytes) stays available`
        : 'nothing was saved while it ran';
      await this.store.saveLogs(job.id, [], {
        collected: false,
        at: job.output?.at ?? null,
        bytes: job.output?.bytes ?? 0,
        truncated: job.output?.truncated ?? false,
      });
      await this.decide(job.id, 'OUTPUT_NOT_COLLECTED', `terminated: no files collected; ${kept}`);
      return;
    }
    try {
      const tails = await this.tails(job, this.config.collectBytes);
      if (!tails) {
        await this.decide(job.id, 'OUTPUT_NOT_COLLECTED', 'the job has no logs (it never ran)');
        return;
      }
      const at = new Date().toISOString();
      const summary = await this.save(job.id, tails, 'final', at);
      const sizes = LOG_STREAMS.map((s) => {
        const t = tails.get(s);
        if (!t) return `${s}: none`;
        return t.start > 0
          ? `${s}: last ${t.content.length} of ${t.size} bytes`
          : `${s}: ${t.size} bytes`;
      });
      await this.decide(
        job.id,
        'OUTPUT_COLLECTED',
        `saved ${summary.bytes} bytes (${sizes.join(', ')})`,
      );
    } catch (err) {
      const attempt = this.retries.get(job.id) ?? 0;
      if (attempt < RETRY_MS.length && !this.closed) {
        this.retries.set(job.id, attempt + 1);
        setTimeout(() => this.enqueue(job.id), RETRY_MS[attempt]).unref();
        return;
      }
      this.retries.delete(job.id);
      this.log.warn({ err, jobId }, 'could not collect the logs of an ended job');
      await this.decide(
        job.id,
        'OUTPUT_NOT_COLLECTED',
        `the logs could not be read: ${(err as Error).message}`,
      );
    }
  }

  /** The wrapper's record of a phased job's phases, kept as its tasks (the directory may go). */
  private async savePhases(job: JobRecord): Promise<void> {
    if (job.phases) await refreshPhaseTasks(job, this.systems, this.store);
  }

  /** The last `maxBytes` of each log that exists; null when neither does. */
  private async tails(job: WatchedJob, maxBytes: number): Promise<Map<LogStream, Tail> | null> {
    const system = this.systems.get(job.execSystemId);
    if (!system || !job.remoteUser) return null;
    const ref = { gatewayJobId: job.id, account: job.remoteUser };
    const tails = new Map<LogStream, Tail>();
    for (const stream of LOG_STREAMS) {
      const t = await system.scheduler.files.tail(ref, stream, maxBytes);
      if (t) tails.set(stream, t);
    }
    return tails.size > 0 ? tails : null;
  }

  private async save(
    jobId: string,
    tails: Map<LogStream, Tail>,
    kind: SavedLog['kind'],
    at: string,
  ): Promise<JobOutputSummary> {
    const logs: SavedLog[] = [...tails].map(([stream, t]) => ({ jobId, stream, kind, at, ...t }));
    const summary: JobOutputSummary = {
      collected: kind === 'final',
      at,
      bytes: logs.reduce((n, l) => n + l.content.length, 0),
      truncated: logs.some((l) => l.start > 0),
    };
    await this.store.saveLogs(jobId, logs, summary);
    return summary;
  }

  private async decide(
    jobId: string,
    event: 'OUTPUT_COLLECTED' | 'OUTPUT_NOT_COLLECTED',
    description: string,
  ): Promise<void> {
    await this.writer.apply(jobId, { events: [{ event, actor: null, description }] });
  }

  /** The periodic copies of running jobs' logs, one round at a time. */
  private async periodic(): Promise<void> {
    if (this.periodicRunning || this.closed) return;
    this.periodicRunning = true;
    try {
      for (const id of this.systems.keys()) {
        // Replicas: the one that polls the system copies its running jobs' logs.
        if (!this.ownsSystem(id)) continue;
        const runningJobs = (await this.store.watched(id)).filter(
          (j) => j.status === 'RUNNING' && j.remoteUser,
        );
        for (let i = 0; i < runningJobs.length && !this.closed; i += CONCURRENCY) {
          await Promise.all(
            runningJobs.slice(i, i + CONCURRENCY).map(async (job) => {
              try {
                const tails = await this.tails(job, this.config.periodicBytes);
                if (tails) await this.save(job.id, tails, 'periodic', new Date().toISOString());
              } catch (err) {
                this.log.debug({ err, jobId: job.id }, 'periodic log copy failed');
              }
            }),
          );
        }
      }
    } finally {
      this.periodicRunning = false;
    }
  }
}
