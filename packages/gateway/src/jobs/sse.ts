import type { ServerResponse } from 'node:http';

/** What an EventSource is told to wait before it reconnects (SSE `retry:`), ms. */
export const RECONNECT_MS = 2_000;

/**
 * Starts a Server-Sent Events response on `res` (hijacked from Fastify): the headers, `retry:`,
 * and a comment line every `heartbeatMs` so that proxies and the socket timeout keep a quiet
 * stream open. The returned function stops the heartbeats.
 */
export function startSse(
  res: ServerResponse,
  headers: Record<string, string>,
  heartbeatMs: number,
): () => void {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and its kin: send each event as it comes.
    'x-accel-buffering': 'no',
  });
  res.write(`retry: ${RECONNECT_MS}\n\n`);
  const heartbeat = setInterval(() => {
    if (!res.writableEnded) res.write(': heartbeat\n\n');
  }, heartbeatMs);
  return () => clearInterval(heartbeat);
}
