import { PassThrough } from 'node:stream';
import type { OutputEntry } from '@hpcgate/contract';
import { SchedulerCommandError } from '../errors.js';
import {
  type JobFileRef,
  type JobFiles,
  type LogFile,
  OutputNotFoundError,
  OutputTypeError,
  type PhaseEvent,
  type RemoteFollow,
  type RemoteRead,
} from '../job-files.js';
import {
  followCommand,
  listCommand,
  NO_JOB_DIR,
  NOT_FOUND,
  OUTSIDE,
  phasesCommand,
  readCommand,
  statCommand,
  tailCommand,
  WRONG_TYPE,
} from './file-commands.js';
import { jobDirWord } from './jobs-root.js';
import { parseListing, parsePhaseEvents, parseStat } from './parse-files.js';
import type { SshLogin } from './ssh-connection.js';
import type { SshPool } from './ssh-pool.js';

/** How far a streamed read may run ahead of its reader. */
const READ_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Job directories over SSH, each read as the job's own account: short commands (list, stat) on
 * the account's command connection, streams (downloads, tails, followed logs) on its stream one.
 */
export class SshJobFiles implements JobFiles {
  constructor(
    private readonly systemId: string,
    private readonly jobsRoot: string,
    private readonly pool: SshPool,
    private readonly loginOf: (account: string) => SshLogin,
  ) {}

  async list(
    ref: JobFileRef,
    path: string,
    page: { skip: number; limit: number },
  ): Promise<{ entries: OutputEntry[]; more: boolean }> {
    const r = await this.pool.exec(
      this.loginOf(ref.account),
      listCommand(this.dir(ref), path, page),
    );
    this.check(ref, path, 'dir', r.code, r.stderr);
    return parseListing(r.stdout, path, page.limit);
  }

  async stat(ref: JobFileRef, path: string): Promise<OutputEntry> {
    const r = await this.pool.exec(this.loginOf(ref.account), statCommand(this.dir(ref), path));
    this.check(ref, path, 'file', r.code, r.stderr);
    const entry = parseStat(r.stdout, path);
    if (!entry) throw this.failure('stat', r.code, r.stderr || r.stdout);
    return entry;
  }

  async read(ref: JobFileRef, path: string, start: number, length: number): Promise<RemoteRead> {
    const proc = await this.pool.stream(
      this.loginOf(ref.account),
      readCommand(this.dir(ref), path, start, length),
    );
    const done = proc.exit.then(({ code, signal, stderr }) => {
      if (code === null && signal === null) {
        throw this.failure('read', code, 'the connection dropped during the read');
      }
      this.check(ref, path, 'file', code, stderr);
    });
    // The route reads `done` only after the stream: an early failure must not go unhandled.
    done.catch(() => {});
    // A deep buffer between the channel and the reader: a paused channel stops granting SSH
    // window, and each refill then costs a round trip to the cluster.
    const stream = proc.stdout.pipe(new PassThrough({ highWaterMark: READ_BUFFER_BYTES }));
    // A reader that let go early (a client gone) ends the remote read; one that read to the end
    // leaves the channel to close itself, with the exit status the read is judged by.
    stream.on('close', () => {
      if (!stream.readableEnded) proc.close();
    });
    return { stream, done, abort: () => proc.close() };
  }

  async tail(
    ref: JobFileRef,
    log: LogFile,
    maxBytes: number,
  ): Promise<{ start: number; size: number; content: Buffer } | null> {
    const proc = await this.pool.stream(
      this.loginOf(ref.account),
      tailCommand(this.dir(ref), log, maxBytes),
    );
    const chunks: Buffer[] = [];
    let received = 0;
    proc.stdout.on('data', (chunk: Buffer) => {
      // The size line plus maxBytes: anything past that is not what was asked for.
      if (received > maxBytes + 32) return;
      chunks.push(chunk);
      received += chunk.length;
    });
    const { code, stderr } = await proc.exit;
    if (code === NO_JOB_DIR || code === NOT_FOUND) return null;
    if (code !== 0) throw this.failure('tail', code, stderr);
    const all = Buffer.concat(chunks);
    const newline = all.indexOf(0x0a);
    const size = Number(all.subarray(0, newline).toString('ascii'));
    if (newline < 0 || !Number.isSafeInteger(size)) throw this.failure('tail', code, 'no size');
    const content = all.subarray(newline + 1, newline + 1 + maxBytes);
    return { start: size - content.length, size, content };
  }

  async follow(ref: JobFileRef, log: LogFile): Promise<RemoteFollow> {
    const proc = await this.pool.stream(
      this.loginOf(ref.account),
      followCommand(this.dir(ref), log),
      { keepInput: true },
    );
    const out = new PassThrough();
    let header: Buffer | null = Buffer.alloc(0);
    let resolveStart: (n: number) => void = () => {};
    let rejectStart: (e: Error) => void = () => {};
    const start = new Promise<number>((resolve, reject) => {
      resolveStart = resolve;
      rejectStart = reject;
    });
    start.catch(() => {});
    proc.stdout.on('data', (chunk: Buffer) => {
      if (header !== null) {
        header = Buffer.concat([header, chunk]);
        const newline = header.indexOf(0x0a);
        if (newline < 0) return;
        resolveStart(Number(header.subarray(0, newline).toString('ascii')) || 0);
        chunk = header.subarray(newline + 1);
        header = null;
      }
      if (chunk.length > 0 && !out.write(chunk)) {
        proc.stdout.pause();
        out.once('drain', () => proc.stdout.resume());
      }
    });
    const done = proc.exit.then(({ code, stderr }) => {
      out.end();
      if (header !== null) {
        rejectStart(
          code === NO_JOB_DIR
            ? new OutputNotFoundError(ref.gatewayJobId, '')
            : this.failure('follow', code, stderr || 'the reader ended before the log existed'),
        );
      }
    });
    return {
      start,
      stream: out,
      done,
      stop: () => {
        proc.endInput();
        // A connection that hangs must not keep the reader: the channel goes too, soon after.
        setTimeout(() => proc.close(), 2_000).unref();
      },
    };
  }

  async phaseEvents(ref: JobFileRef): Promise<PhaseEvent[] | null> {
    const r = await this.pool.exec(this.loginOf(ref.account), phasesCommand(this.dir(ref)));
    if (r.code === NO_JOB_DIR || r.code === NOT_FOUND) return null;
    if (r.code !== 0) throw this.failure('phases', r.code, r.stderr);
    return parsePhaseEvents(r.stdout);
  }

  private dir(ref: JobFileRef): string {
    return jobDirWord(this.jobsRoot, ref.gatewayJobId);
  }

  /** Maps the path checks' exit codes to the errors the routes answer with. */
  private check(
    ref: JobFileRef,
    path: string,
    expected: 'file' | 'dir',
    code: number | null,
    stderr: string,
  ): void {
    if (code === 0) return;
    if (code === NO_JOB_DIR) throw new OutputNotFoundError(ref.gatewayJobId, '');
    // Outside the job directory reads as absent: what lies beyond it is nobody's business here.
    if (code === NOT_FOUND || code === OUTSIDE)
      throw new OutputNotFoundError(ref.gatewayJobId, path);
    if (code === WRONG_TYPE) throw new OutputTypeError(path, expected);
    throw this.failure('file read', code, stderr);
  }

  private failure(what: string, code: number | null, detail: string): SchedulerCommandError {
    const text = detail.trim().split('\n').slice(-3).join(' ').slice(0, 500);
    return new SchedulerCommandError(
      this.systemId,
      `${what} failed on ${this.systemId} (exit ${code}): ${text || 'no output'}`,
      code,
      text,
    );
  }
}
