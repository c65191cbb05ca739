import type { Job, JobStatus, JobStreamEvent } from '@hpcgate/sdk';
import type { Row } from '../../output.js';

/** One job as the live table shows it. */
export interface BoardRow extends Row {
  id: string;
  name: string | null;
  status: JobStatus;
  updated: string;
  lastEvent: string | null;
}

/**
 * The caller's jobs as `jobs watch` shows them: the list it started from, then each event's
 * status and description. With a status filter, a job is shown while it is in one of them (it
 * comes in, and leaves, with the event that moves it).
 */
export class JobBoard {
  private readonly rows = new Map<string, BoardRow>();

  constructor(
    jobs: Job[],
    private readonly statuses: JobStatus[],
  ) {
    for (const job of jobs) {
      this.rows.set(job.id, {
        id: job.id,
        name: job.name,
        status: job.status,
        updated: shortTime(job.lastUpdated),
        lastEvent: job.lastMessage,
      });
    }
  }

  /** Whether an event's job belongs on the board (its status is one asked for). */
  shows(status: JobStatus): boolean {
    return this.statuses.length === 0 || this.statuses.includes(status);
  }

  has(jobId: string): boolean {
    return this.rows.has(jobId);
  }

  /** The event's change; a job new to the board goes on top, as in `jobs list`. */
  apply(event: JobStreamEvent, name: string | null): void {
    if (!this.shows(event.status)) {
      this.rows.delete(event.jobId);
      return;
    }
    const row: BoardRow = {
      id: event.jobId,
      name: this.rows.get(event.jobId)?.name ?? name,
      status: event.status,
      updated: shortTime(event.at),
      lastEvent: event.description,
    };
    if (this.rows.has(event.jobId)) this.rows.set(event.jobId, row);
    else {
      const rest = [...this.rows];
      this.rows.clear();
      this.rows.set(event.jobId, row);
      for (const [id, r] of rest) this.rows.set(id, r);
    }
  }

  table(): BoardRow[] {
    return [...this.rows.values()];
  }
}

function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}
