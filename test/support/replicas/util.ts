import { createServer } from 'node:net';

/** A loopback port free right now: listen on 0, read the port, close. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Calls `fn` every `intervalMs` until it returns without throwing, and returns what it returned;
 * after `timeoutMs`, throws its last error. (For the bench: the tests use vitest's `vi.waitFor`.)
 */
export async function eventually<T>(
  fn: () => Promise<T>,
  { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; the results in the items' order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * For `expect(few(problems)).toEqual(few([]))`: how many things went wrong and the first five,
 * so that 200 failures read as a count and examples, not 200 lines.
 */
export const few = <T>(problems: readonly T[]): { count: number; first: T[] } => ({
  count: problems.length,
  first: problems.slice(0, 5),
});
