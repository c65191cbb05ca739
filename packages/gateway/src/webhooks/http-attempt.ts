import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import {
  AddressRefusedError,
  type CheckedAddress,
  checkAddress,
  type Resolver,
  UnresolvableHostError,
} from './address-guard.js';

/** Of a receiver's answer, at most this much is read; then the connection is closed. */
export const MAX_RESPONSE_BYTES = 4 * 1024;
/** A receiver's status line and headers, at most (Node's parser refuses more). */
const MAX_RESPONSE_HEADER_BYTES = 16 * 1024;

export interface AttemptRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: Resolver;
  /** Aborts the attempt (the gateway is closing). */
  signal?: AbortSignal;
}

export interface AttemptOutcome {
  /** The receiver's status, when it answered. */
  statusCode: number | null;
  /** Why the attempt failed; null for a 2xx. */
  error: string | null;
  /** Whether another attempt may do better (false: the address policy refused it). */
  retryable: boolean;
  /** From the start to the answer's headers (or the failure). */
  durationMs: number;
}

/**
 * One POST of a delivery. The host is resolved and checked here, at every attempt, and the
 * connection goes to the address that was checked (a `lookup` that answers only it), so a name
 * that resolves elsewhere a moment later (DNS rebinding) changes nothing. No redirect is
 * followed (Node's http never does; a 3xx is a failed attempt). One timer bounds the whole
 * attempt, resolving included. Of the answer only the status counts: at most
 * {@link MAX_RESPONSE_BYTES} of the body is read, then the socket is destroyed, so a receiver
 * cannot hold the gateway with a slow or endless body.
 */
export async function attemptDelivery(req: AttemptRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const took = () => Math.round((performance.now() - started) * 10) / 10;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout.signal, req.signal]) : timeout.signal;
  const failed = (error: string, retryable = true): AttemptOutcome => ({
    statusCode: null,
    error,
    retryable,
    durationMs: took(),
  });
  try {
    const url = new URL(req.url);
    let target: CheckedAddress;
    try {
      target = await raceAbort(
        checkAddress(url.hostname, { allowPrivate: req.allowPrivate, resolve: req.resolve }),
        signal,
      );
    } catch (err) {
      if (err instanceof AddressRefusedError) return failed(`refused: ${err.message}`, false);
      if (err instanceof UnresolvableHostError) return failed(err.message);
      throw err;
    }
    const res = await post(url, target, req, signal);
    const statusCode = res.statusCode ?? 0;
    const durationMs = took();
    drain(res, () => clearTimeout(timer));
    if (statusCode >= 200 && statusCode < 300) {
      return { statusCode, error: null, retryable: true, durationMs };
    }
    const error =
      statusCode >= 300 && statusCode < 400
        ? `HTTP ${statusCode}: redirect${locationOf(res)} not followed`
        : `HTTP ${statusCode}`;
    return { statusCode, error, retryable: true, durationMs };
  } catch (err) {
    clearTimeout(timer);
    if (timeout.signal.aborted) return failed(`no answer within ${req.timeoutMs} ms`);
    if (req.signal?.aborted) return failed('aborted: the gateway is closing');
    const e = err as NodeJS.ErrnoException;
    return failed(e.code ? `${e.code}: ${e.message}` : e.message);
  }
}

/** Sends the POST to `target`, resolving with the answer once its headers are in. */
function post(
  url: URL,
  target: CheckedAddress,
  req: AttemptRequest,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  // Answers only the checked address, however Node asks (one address, or all of them).
  const lookup: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [target]);
    else callback(null, target.address, target.family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(
      {
        method: 'POST',
        protocol: url.protocol,
        // The name, not the address: Host, TLS SNI and the certificate check use it.
        hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        lookup,
        // A fresh connection per attempt: a pooled one could lead to an address checked before.
        agent: false,
        maxHeaderSize: MAX_RESPONSE_HEADER_BYTES,
        signal,
      },
      resolve,
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Reads at most MAX_RESPONSE_BYTES of the answer, then closes the connection; then `done`. */
function drain(res: IncomingMessage, done: () => void): void {
  let read = 0;
  const finish = () => {
    done();
    res.destroy();
  };
  res.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read >= MAX_RESPONSE_BYTES) finish();
  });
  res.on('end', finish);
  res.on('error', finish);
  res.on('close', done);
}

function locationOf(res: IncomingMessage): string {
  const location = res.headers.location;
  return typeof location === 'string' ? ` to ${location.slice(0, 200)}` : '';
}

/** `promise`, or a rejection as soon as `signal` aborts (DNS lookups cannot be cancelled). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
