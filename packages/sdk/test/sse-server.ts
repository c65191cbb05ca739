import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobStreamEvent } from '../src/index.js';

/** A tiny real HTTP server for stream tests: nock cannot hold a response open. */
export interface TestServer {
  url: string;
  /** Every request, in order. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    requests.push(req);
    open.add(res);
    res.on('close', () => open.delete(res));
    handler(req, res, requests.length);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((ok) => {
        for (const res of open) res.destroy();
        server.close(() => ok());
      }),
  };
}

/** Starts an event stream answer (with the gateway's `retry:`). */
export function sseHead(res: ServerResponse, retryMs = 10): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(`retry: ${retryMs}\n\n`);
}

export function sseEvent(res: ServerResponse, id: number | string, data: unknown): void {
  res.write(`id: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function sseEnd(res: ServerResponse, data: unknown): void {
  res.end(`event: end\ndata: ${JSON.stringify(data)}\n\n`);
}

export function jsonError(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** The `seq`th history event of `jobId`. */
export function anEvent(
  jobId: string,
  seq: number,
  status: JobStreamEvent['status'],
  event: JobStreamEvent['event'] = 'STATUS_CHANGED',
): JobStreamEvent {
  return {
    jobId,
    seq,
    at: `2026-11-23T10:00:0${seq}.000Z`,
    event,
    status,
    actor: null,
    description: `event ${seq}: ${status}`,
  };
}

/** A named event (`event: log`…), with an SSE id when given. */
export function sseNamed(
  res: ServerResponse,
  event: string,
  data: unknown,
  id?: number | string,
): void {
  res.write(
    `event: ${event}\n${id !== undefined ? `id: ${id}\n` : ''}data: ${JSON.stringify(data)}\n\n`,
  );
}
