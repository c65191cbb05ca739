import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';

/** One Server-Sent Event as a client sees it. */
export interface Sse {
  id?: string;
  event?: string;
  data?: string;
  /** When it arrived (performance.now()). */
  at: number;
}

/** An open event stream read with node:http, parsed as it arrives. */
export interface SseClient {
  status: number;
  headers: IncomingMessage['headers'];
  /** Events so far (comments not included), in order. */
  events: Sse[];
  /** How many `:` comment lines (heartbeats) arrived. */
  comments: number;
  /** The body of an answer that is not a stream (an error), once it ended. */
  body: Promise<string>;
  /** Resolves when the server ended the response. */
  ended: Promise<void>;
  /** Resolves once `pred(events)` holds, or rejects after `ms`. */
  until(pred: (events: Sse[]) => boolean, ms?: number): Promise<Sse[]>;
  /** The client hangs up. */
  close(): void;
}

/** Opens `path` as an event stream with node:http (a fresh socket each time). */
export function openStream(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined;
    req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { accept: 'text/event-stream', ...headers },
        agent: false,
      },
      (res) => {
        const events: Sse[] = [];
        const waiters = new Set<() => void>();
        let comments = 0;
        let buffer = '';
        let text = '';
        const ended = new Promise<void>((done) => {
          res.on('end', done);
          res.on('close', done);
        });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          buffer += chunk;
          const now = performance.now();
          for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, i);
            buffer = buffer.slice(i + 2);
            const e: Sse = { at: now };
            let fields = 0;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) {
                comments++;
                continue;
              }
              const colon = line.indexOf(':');
              const key = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (key === 'id' || key === 'event' || key === 'data') {
                e[key] = key === 'data' && e.data !== undefined ? `${e.data}\n${value}` : value;
                fields++;
              }
            }
            if (fields > 0) events.push(e);
          }
          for (const w of waiters) w();
        });
        res.on('error', () => {});
        const client: SseClient = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          events,
          get comments() {
            return comments;
          },
          body: ended.then(() => text),
          ended,
          until(pred, ms = 2_000) {
            return new Promise((ok, fail) => {
              const check = () => {
                if (!pred(events)) return;
                waiters.delete(check);
                clearTimeout(timer);
                ok(events);
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`timed out; events so far: ${JSON.stringify(events)}`));
              }, ms);
              waiters.add(check);
              check();
            });
          },
          close() {
            req?.destroy();
            res.destroy();
          },
        };
        resolve(client);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The `data:` of each event as JSON (events without data left out). */
export function payloads<T = Record<string, unknown>>(events: Sse[]): T[] {
  return events
    .filter((e) => e.data !== undefined && e.event === undefined)
    .map((e) => JSON.parse(e.data as string) as T);
}
