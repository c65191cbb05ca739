import { PassThrough } from 'node:stream';
import nock from 'nock';
import { afterEach, beforeEach } from 'vitest';
import { main } from '../../../src/index.js';
import { captureIo } from '../../capture-io.js';
import { BASE_URL, TOKEN } from '../../fixtures.js';

/**
 * A response body a test writes to while the command reads it (nock sends it as it is written),
 * for streams that stay open: nock's string bodies arrive whole and then close.
 */
export interface HeldStream {
  body: PassThrough;
  /** A history event (`id:` and `data:`). */
  event(id: number, data: unknown): void;
  /** A named event, e.g. `end`. */
  named(event: string, data: unknown, id?: number): void;
}

/** Held streams for one test file; every one still open is ended after each test. */
export function heldStreams(): () => HeldStream {
  const open: PassThrough[] = [];
  afterEach(() => {
    for (const body of open.splice(0)) body.end();
  });
  return () => {
    const body = new PassThrough();
    open.push(body);
    // The gateway's `retry:`, long: a reconnection in a test would be a request nobody expects.
    body.write('retry: 60000\n\n');
    return {
      body,
      event: (id, data) => body.write(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`),
      named: (event, data, id) =>
        body.write(
          `event: ${event}\n${id !== undefined ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`,
        ),
    };
  };
}

export interface LiveRun {
  out: () => string;
  err: () => string;
  /** Everything written with `stdoutBytes`, when the run was given it. */
  bytes: () => Buffer;
  /** The exit code, once main() resolved. */
  done: Promise<number>;
}

export interface LiveRunOptions {
  /** stdout is a terminal (a live view redraws in place). */
  stdoutTTY?: boolean;
  /** stderr (and stdin) are terminals (progress is drawn). */
  tty?: boolean;
  /** stdout takes raw bytes, as the real process's does. */
  binary?: boolean;
}

/**
 * main(argv) in-process, as fixtures' `run`, but returning at once: the test watches the output
 * while the command runs (a live view, a stream), and awaits `done` for the exit code.
 */
export function start(argv: string[], opts: LiveRunOptions = {}): LiveRun {
  const io = captureIo();
  const chunks: Buffer[] = [];
  const done = main(argv, {
    io: {
      ...io,
      stdoutIsTTY: opts.stdoutTTY ?? false,
      ...(opts.binary
        ? {
            stdoutBytes: async (chunk: Uint8Array) => {
              chunks.push(Buffer.from(chunk));
            },
          }
        : {}),
    },
    env: { HPCGATE_URL: BASE_URL, HPCGATE_TOKEN: TOKEN },
    readStdin: async () => {
      throw new Error('the command read stdin');
    },
    stdinIsTTY: opts.tty ?? false,
    stderrIsTTY: opts.tty ?? false,
    prompt: async () => {
      throw new Error('the command prompted');
    },
  });
  return { out: io.out, err: io.err, bytes: () => Buffer.concat(chunks), done };
}

/** Resolves once `check` holds, looking again every few milliseconds (no fixed sleeps). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/**
 * Requests that no interceptor matched (`GET /v3/jobs/list`), per test. fixtures' useNock means
 * to catch these too, but it looks for a host that nock 14's "no match" request does not carry.
 */
export function unmatchedRequests(): () => string[] {
  const seen: string[] = [];
  const record = (req: { method?: string; path?: string }) =>
    seen.push(`${req.method} ${req.path}`);
  beforeEach(() => {
    seen.length = 0;
    nock.emitter.on('no match', record);
  });
  afterEach(() => {
    nock.emitter.removeListener('no match', record);
  });
  return () => [...seen];
}
