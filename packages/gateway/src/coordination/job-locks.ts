/** What holds a job: handing it to the scheduler, or sending it a stop. */
export type JobActivity = 'submit' | 'signal';

/**
 * One lock per job: the gateway does one remote thing to a job at a time (a stop waits for the
 * submission under way, so that the id sbatch returns is stopped), and identical requests that
 * arrive together share one run (ten concurrent cancels send one scancel). The monitor leaves a
 * job whose lock is held to its holder. In-process for the embedded store; replicas on
 * PostgreSQL take a claim in the database too (postgres/pg-job-locks.ts).
 */
export interface JobLocks {
  /**
   * Runs `fn` holding the job's lock, after whoever holds or waits for it. A run with the same
   * `share` key already waiting or running is joined instead of run again.
   */
  run<T>(jobId: string, activity: JobActivity, share: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Holds the locks of many jobs at once (each taken after whoever holds it), for one operation
   * on all of them; resolves to the function that releases them all.
   */
  hold(jobIds: readonly string[], activity: JobActivity): Promise<() => void>;
  /** The activity holding the job now in this process, if any. */
  holder(jobId: string): JobActivity | null;
  /** Of these jobs, those held now, by this process or (replicas) by any live one. */
  holders(jobIds: readonly string[]): Promise<Map<string, JobActivity>>;
  /** Waits for every run under way. */
  settle(): Promise<void>;
}

interface Queued {
  share: string;
  activity: JobActivity;
  done: Promise<unknown>;
}

export class InProcessJobLocks implements JobLocks {
  /** Per job: the runs holding or waiting for its lock, in order (the first holds it). */
  private readonly queues = new Map<string, Queued[]>();
  /** Numbers every hold, so that no two holds ever share (and join) a run. */
  private holds = 0;

  run<T>(jobId: string, activity: JobActivity, share: string, fn: () => Promise<T>): Promise<T> {
    const queue = this.queues.get(jobId) ?? [];
    const twin = queue.find((q) => q.share === share);
    if (twin) return twin.done as Promise<T>;
    const before = queue.at(-1)?.done;
    const entry: Queued = { share, activity, done: Promise.resolve() };
    const done = (async () => {
      await before?.catch(() => {});
      return fn();
    })().finally(() => {
      const q = this.queues.get(jobId);
      if (!q) return;
      q.splice(q.indexOf(entry), 1);
      if (q.length === 0) this.queues.delete(jobId);
    });
    entry.done = done;
    queue.push(entry);
    this.queues.set(jobId, queue);
    return done;
  }

  async hold(jobIds: readonly string[], activity: JobActivity): Promise<() => void> {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const share = `hold:${++this.holds}`;
    await Promise.all(
      jobIds.map(
        (jobId) =>
          new Promise<void>((taken) => {
            // A share key of its own: a hold joins no other run (nor another hold).
            void this.run(jobId, activity, share, async () => {
              taken();
              await released;
            });
          }),
      ),
    );
    return release;
  }

  holder(jobId: string): JobActivity | null {
    return this.queues.get(jobId)?.[0]?.activity ?? null;
  }

  async holders(jobIds: readonly string[]): Promise<Map<string, JobActivity>> {
    const held = new Map<string, JobActivity>();
    for (const id of jobIds) {
      const activity = this.holder(id);
      if (activity) held.set(id, activity);
    }
    return held;
  }

  async settle(): Promise<void> {
    const all = [...this.queues.values()].flat().map((q) => q.done);
    await Promise.allSettled(all);
  }
}
