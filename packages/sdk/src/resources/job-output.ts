import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type OutputEntry,
  type OutputList,
  outputListResponseSchema,
  outputPathSchema,
} from '@hpcgate/contract';
import { BadRequestError, ConnectionError, InvalidResponseError } from '../core/errors.js';
import { guardBody, type RequestCore } from '../core/request.js';
import type { CallOptions } from './call-options.js';

export interface ListOutputOptions extends CallOptions {
  jobId: string;
  /** A directory inside the job directory; default the job directory itself. */
  path?: string;
  /** Entries per page, 1–1000 (the gateway's default: 100). */
  limit?: number;
  /** Entries to pass over (what the previous page's `nextSkip` said). */
  skip?: number;
}

/** Bytes `start` to `end`, both included, as HTTP counts them; no `end`: to the end of the file. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface DownloadOutputOptions extends CallOptions {
  jobId: string;
  /** A file inside the job directory, e.g. `stdout` or `results/metrics.csv`. */
  path: string;
  range?: ByteRange;
  /** False: 409 JOB_NOT_FINISHED while the job runs. The gateway's default is true. */
  allowIfRunning?: boolean;
}

/** `Content-Range: bytes start-end/total` of a 206. */
export interface ContentRange {
  start: number;
  end: number;
  /** The whole file's size; null when the gateway did not know it (`/*`). */
  total: number | null;
}

export interface OutputDownload {
  /** The bytes, as they arrive; failures are the SDK's errors. Destroy it to hang up. */
  stream: Readable;
  /** How many bytes `stream` holds (Content-Length); null when the gateway did not say. */
  size: number | null;
  /** Which part of the file `stream` holds (206); null for the whole file (200). */
  contentRange: ContentRange | null;
  /** 206 for a range, 200 for the whole file (also when the gateway ignored `range`). */
  status: 200 | 206;
}

export interface DownloadOutputToFileOptions extends DownloadOutputOptions {
  /** Where to write; replaced only once every byte has arrived. */
  file: string;
  /** Called as bytes arrive (once with 0 first); `total` is the download's size, when known. */
  onProgress?: (received: number, total: number | null) => void;
}

export interface DownloadedFile {
  file: string;
  bytes: number;
  status: 200 | 206;
  contentRange: ContentRange | null;
}

/** The job's files: listing and downloading (`client.jobs.listOutput`, `downloadOutput`…). */
export class JobOutputs {
  constructor(private readonly core: RequestCore) {}

  async list({ jobId, path = '', limit, skip, signal }: ListOutputOptions): Promise<OutputList> {
    const query: Record<string, number> = {};
    if (limit !== undefined) query.limit = limit;
    if (skip !== undefined) query.skip = skip;
    const { data } = await this.core.request({
      method: 'GET',
      path: outputRoute(jobId, 'list', path),
      query,
      signal,
      schema: outputListResponseSchema,
    });
    return data;
  }

  async *listAll(options: Omit<ListOutputOptions, 'skip'>): AsyncGenerator<OutputEntry> {
    let skip: number | null = 0;
    do {
      const page: OutputList = await this.list({ ...options, ...(skip ? { skip } : {}) });
      yield* page.entries;
      skip = page.nextSkip;
    } while (skip !== null);
  }

  async download({
    jobId,
    path,
    range,
    allowIfRunning,
    signal,
  }: DownloadOutputOptions): Promise<OutputDownload> {
    if (path === '')
      throw invalid('path', 'name a file inside the job directory', 'INVALID_OUTPUT_PATH');
    const headers: Record<string, string> = {};
    if (range) headers.Range = rangeHeader(range);
    const res = await this.core.stream({
      path: outputRoute(jobId, 'download', path),
      query: allowIfRunning === undefined ? {} : { allowIfRunning: String(allowIfRunning) },
      headers,
      // Errors come as the usual JSON envelope.
      accept: 'application/octet-stream, application/json',
      signal,
    });
    const what = `the download of ${path}`;
    if (res.status !== 200 && res.status !== 206) {
      res.body.destroy();
      throw new InvalidResponseError(`${what}: the gateway answered ${res.status}, not 200 or 206`);
    }
    const contentRange =
      res.status === 206 ? parseContentRange(res.headers['content-range']) : null;
    if (res.status === 206 && !contentRange) {
      res.body.destroy();
      throw new InvalidResponseError(`${what}: a 206 without a valid Content-Range`);
    }
    const length = Number(res.headers['content-length']);
    return {
      stream: guardBody(res.body, { signal, idleTimeoutMs: this.core.timeoutMs, what }),
      size:
        res.headers['content-length'] !== undefined && Number.isSafeInteger(length) ? length : null,
      contentRange,
      status: res.status,
    };
  }

  /**
   * Writes the download to a temporary file beside `file` and renames it into place once every
   * byte has arrived: a failure (cut, abort, a full disk) leaves neither a partial file nor the
   * temporary one, and an existing `file` is untouched until then.
   */
  async downloadToFile({
    file,
    onProgress,
    ...options
  }: DownloadOutputToFileOptions): Promise<DownloadedFile> {
    const download = await this.download(options);
    const temp = join(dirname(file), `.${basename(file)}.${randomUUID().slice(0, 8)}.part`);
    let received = 0;
    onProgress?.(0, download.size);
    try {
      await pipeline(
        download.stream,
        async function* count(source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            received += chunk.length;
            onProgress?.(received, download.size);
            yield chunk;
          }
        },
        createWriteStream(temp, { flags: 'wx' }),
      );
      if (download.size !== null && received !== download.size) {
        throw new ConnectionError(
          `the download of ${options.path} ended after ${received} of ${download.size} bytes`,
        );
      }
      await rename(temp, file);
    } catch (err) {
      download.stream.destroy();
      await rm(temp, { force: true });
      throw err;
    }
    return { file, bytes: received, status: download.status, contentRange: download.contentRange };
  }
}

/**
 * `/v3/jobs/{id}/output/{list|download}/{path}`, each segment percent-encoded. The path is checked
 * here with the contract's own rule first: a URL would silently resolve `.` and `..` segments
 * (even percent-encoded ones) to another path instead of letting the gateway refuse them.
 */
function outputRoute(jobId: string, verb: 'list' | 'download', path: string): string {
  const checked = outputPathSchema.safeParse(path);
  if (!checked.success) {
    throw invalid(
      'path',
      `invalid output path: ${checked.error.issues[0]?.message}`,
      'INVALID_OUTPUT_PATH',
    );
  }
  const base = `/v3/jobs/${encodeURIComponent(jobId)}/output/${verb}`;
  return path === '' ? base : `${base}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function rangeHeader({ start, end }: ByteRange): string {
  const byte = (n: number | undefined) => n === undefined || (Number.isSafeInteger(n) && n >= 0);
  if (!byte(start) || !byte(end) || (end !== undefined && end < start)) {
    // Sent as it is, an end before the start is no range at all for HTTP: the whole file.
    throw invalid('range', `invalid range ${start}-${end ?? ''}: whole bytes, start ≤ end`);
  }
  return `bytes=${start}-${end ?? ''}`;
}

function parseContentRange(value: string | undefined): ContentRange | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

/**
 * An argument refused before anything is sent, with the class and code the gateway gives the
 * same mistake, so that callers handle both alike.
 */
function invalid(field: string, message: string, code = 'VALIDATION_FAILED'): BadRequestError {
  return new BadRequestError(400, code, message, { field }, {});
}
