import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, body as sent (the raw bytes the signature covers). */
export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: Received, res: ServerResponse) => void;

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  received: Received[];
  /** How the next requests are answered (default: 200 `ok`). */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

const ok: Handler = (_req, res) => res.end('ok');

/** A real HTTP receiver on loopback, recording every request it gets. */
export async function startReceiver(handler: Handler = ok): Promise<Receiver> {
  let current = handler;
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      current(r, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    handle: (h) => {
      current = h;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
