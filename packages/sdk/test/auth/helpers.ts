import { createServer } from 'node:net';
import type { IdpFetch } from '../../src/index.js';

/** A fetch that counts what it sends to the identity provider, by path (e.g. `/token`). */
export function countingFetch(): IdpFetch & { count: (path: string) => number } {
  const seen: string[] = [];
  const fn = ((url: string, init: RequestInit) => {
    seen.push(new URL(url).pathname);
    return fetch(url, init);
  }) as IdpFetch & { count: (path: string) => number };
  fn.count = (path) => seen.filter((p) => p === path).length;
  return fn;
}

/** The JWT's payload, as the test reads it (no verification: the provider just made it). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/** A loopback port where nothing listens (fetch refuses some well-known ports such as 1). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
