import type { Hpcgate, JobStatus, JobStreamEvent } from '@hpcgate/sdk';
import type { CommandContext } from '../../context.js';
import { cell, formatTable, type Io, redrawScreen } from '../../output.js';
import { JobBoard } from './board.js';
import { untilInterrupted } from './interrupt.js';

export interface WatchAllOptions {
  json: boolean;
  status: JobStatus[];
  name?: string | undefined;
  tags: string[];
}

/** At most this often the table is drawn again, however many events come. */
const REDRAW_MS = 100;

/**
 * `hpcgate jobs watch` without an id: the caller's jobs, live, from `GET /v3/jobs/events`. On a
 * terminal, a table redrawn in place; otherwise one line per change (`--json`: each event as a
 * JSON line). It runs until Ctrl-C, which is its normal end (exit 0).
 */
export async function watchAll(
  client: Hpcgate,
  ctx: CommandContext,
  options: WatchAllOptions,
): Promise<void> {
  const interrupt = untilInterrupted();
  const finished = new AbortController();
  const signal = AbortSignal.any([interrupt.signal, finished.signal]);
  try {
    await follow(client, ctx.io, options, signal);
  } catch (err) {
    if (interrupt.signal.aborted) return;
    throw err;
  } finally {
    // Whatever ended the watch, the stream is closed with it.
    finished.abort();
    interrupt.release();
  }
}

async function follow(client: Hpcgate, io: Io, options: WatchAllOptions, signal: AbortSignal) {
  const { status, name, tags } = options;
  let opened: () => void = () => {};
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  // The status filter is applied here rather than by the gateway: the board must also see the
  // event that moves a job out of the statuses asked for, to take it off.
  const stream = client.jobs.events(
    { ...(name !== undefined ? { name } : {}), ...(tags.length ? { tags } : {}) },
    { signal, onOpen: () => opened() },
  );
  const events = stream[Symbol.asyncIterator]();
  const first = events.next();
  first.catch(() => {}); // awaited below; a failure to open is thrown by the race
  await Promise.race([open, first]);
  const board = options.json
    ? new JobBoard([], status)
    : // Read once the stream listens, so that no change between the two is missed.
      new JobBoard(
        (
          await client.jobs.getJobList(
            {
              ...(status.length ? { status } : {}),
              ...(name !== undefined ? { name } : {}),
              ...(tags.length ? { tags } : {}),
            },
            { signal },
          )
        ).jobs,
        status,
      );
  const names = new JobNames(client, board, signal);
  const view = options.json ? jsonView(io) : io.stdoutIsTTY ? tableView(io, board) : lineView(io);
  try {
    for (let next = await first; !next.done; next = await events.next()) {
      const event = next.value;
      if (!board.shows(event.status) && !board.has(event.jobId)) continue;
      const jobName = options.json ? null : await names.of(event.jobId);
      board.apply(event, jobName);
      if (board.shows(event.status)) view.changed(event, jobName);
      else view.removed();
    }
  } finally {
    view.close();
  }
}

interface View {
  changed(event: JobStreamEvent, name: string | null): void;
  /** A job left the board (no line for it: its status is not one asked for). */
  removed(): void;
  close(): void;
}

function jsonView(io: Io): View {
  return {
    changed: (event) => io.stdout(`${JSON.stringify(event)}\n`),
    removed: () => {},
    close: () => {},
  };
}

/** `2026-11-23T10:00:02Z <id> sweep-1 RUNNING STATUS_CHANGED Slurm says RUNNING`. */
function lineView(io: Io): View {
  return {
    changed: (e, name) => {
      const at = e.at.replace(/\.\d+Z$/, 'Z');
      io.stdout(`${[at, e.jobId, name, e.status, e.event, e.description].map(cell).join(' ')}\n`);
    },
    removed: () => {},
    close: () => {},
  };
}

/** The board, drawn at once and then again (at most every REDRAW_MS) after changes. */
function tableView(io: Io, board: JobBoard): View {
  const draw = () => redrawScreen(io, `${formatTable(board.table())}\n(live: Ctrl-C to stop)\n`);
  let timer: NodeJS.Timeout | undefined;
  const later = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      draw();
    }, REDRAW_MS);
  };
  draw();
  return {
    changed: later,
    removed: later,
    // A change not drawn yet is drawn, so that the screen left behind is the last state.
    close: () => {
      if (timer === undefined) return;
      clearTimeout(timer);
      draw();
    },
  };
}

/** Job names for events of jobs not on the board yet (a new job): read once each. */
class JobNames {
  private readonly known = new Map<string, string | null>();

  constructor(
    private readonly client: Hpcgate,
    board: JobBoard,
    private readonly signal: AbortSignal,
  ) {
    for (const row of board.table()) this.known.set(row.id, row.name);
  }

  async of(jobId: string): Promise<string | null> {
    if (!this.known.has(jobId)) {
      const name = await this.client.jobs
        .getJob({ jobId, signal: this.signal })
        .then((job) => job.name)
        .catch((err: Error) => {
          if (err.name === 'AbortError') throw err;
          return null; // gone meanwhile, or not readable: the row says `-`
        });
      this.known.set(jobId, name);
    }
    return this.known.get(jobId) ?? null;
  }
}
