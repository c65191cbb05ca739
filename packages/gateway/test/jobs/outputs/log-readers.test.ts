import { PassThrough } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { JobEvents } from '../../../src/jobs/job-events.js';
import { LogReaders } from '../../../src/jobs/outputs/log-readers.js';
import type { JobFiles, RemoteFollow } from '../../../src/scheduler/job-files.js';
import type { JobRecord, JobStore } from '../../../src/store/job-store.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * FAKE remote follow whose first bytes come before the size it began at is known, as happens
 * when the remote reader's size line and its first bytes share one SSH packet.
 */
function earlyBytesFollow(): { files: JobFiles; out: PassThrough; begin: (size: number) => void } {
  const out = new PassThrough();
  let begin: (size: number) => void = () => {};
  const start = new Promise<number>((resolve) => {
    begin = resolve;
  });
  const follow: RemoteFollow = { start, stream: out, done: new Promise(() => {}), stop: () => {} };
  const files = { follow: async () => follow } as unknown as JobFiles;
  return { files, out, begin: (size) => begin(size) };
}

describe('LogReaders', () => {
  it('delivers bytes that arrive before the start size resolves, from that size, none lost', async () => {
    const { files, out, begin } = earlyBytesFollow();
    const store = { get: async () => undefined } as unknown as JobStore;
    const quiet = { warn: () => {}, info: () => {} } as unknown as FastifyBaseLogger;
    const readers = new LogReaders(store, new JobEvents(), quiet);
    const got: Array<[number, string]> = [];
    const attached = readers.attach(
      { id: 'job-1' } as JobRecord,
      files,
      { account: 'alice', gatewayJobId: 'job-1' } as never,
      'stdout',
      { data: (at, bytes) => got.push([at, bytes.toString()]), end: () => {}, fail: () => {} },
    );
    await tick();
    out.write(Buffer.from('line-1\n'));
    await tick();
    begin(5);
    const { position, detach } = await attached;
    out.write(Buffer.from('line-2\n'));
    await tick();
    expect(got).toEqual([
      [5, 'line-1\n'],
      [12, 'line-2\n'],
    ]);
    expect(position).toBe(12);
    detach();
  });
});
