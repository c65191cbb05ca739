import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as contract from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';
import { type BuildOptions, build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyContractSource } from '../bundle/lazy-contract.mjs';

// The SDK bundle's stand-in for the contract (bundle/lazy-contract.mjs) must answer every
// safeParse exactly as the real schema does, and answer the common case without loading zod.
const here = fileURLToPath(new URL('.', import.meta.url));
const contractEntry = fileURLToPath(new URL('../../contract/src/index.ts', import.meta.url));
const schemaNames = Object.entries(contract)
  .filter(([, v]) => typeof v === 'object' && v !== null && '_zod' in v)
  .map(([k]) => k);

const dir = mkdtempSync(join(tmpdir(), 'hpcgate-lazy-contract-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const { source, report } = await lazyContractSource({
  contractEntry,
  contractFile: 'contract.cjs',
  names: new Set(schemaNames),
});
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  conditions: ['source'],
  logLevel: 'error',
} satisfies BuildOptions;
await build({
  ...common,
  entryPoints: [join(here, '../bundle/contract-entry.js')],
  outfile: join(dir, 'contract.cjs'),
});
writeFileSync(join(dir, 'lazy.mjs'), source);
await build({
  ...common,
  entryPoints: [join(dir, 'lazy.mjs')],
  outfile: join(dir, 'lazy.cjs'),
  external: ['./contract.cjs'],
});
const requireFromDir = createRequire(join(dir, 'x.cjs'));
const contractLoaded = () =>
  Object.keys(requireFromDir.cache).some((f) => f.endsWith('contract.cjs'));
const lazy = requireFromDir('./lazy.cjs') as Record<string, unknown>;
// Loaded by the first test that compares: the first one checks that the stand-in did not.
const real = () => requireFromDir('./contract.cjs') as typeof contract;
type Parser = {
  safeParse: (data: unknown) => { success: boolean; data?: unknown; error?: unknown };
};
const standIn = (name: string) => lazy[name] as Parser;

const job = sampleJob();
const jobs: unknown[] = [
  job,
  sampleJob({
    status: 'FINISHED',
    condition: 'NORMAL_COMPLETION',
    exitCode: 0,
    exitSignal: 0,
    env: { A: '1', B: '' },
    args: ['-x', 'y'],
    tags: ['t1'],
    output: { stdoutBytes: 10, stderrBytes: 0, truncated: false } as never,
    tasks: { total: 3, counts: { PENDING: 1, RUNNING: 1, SUCCEEDED: 1 } } as never,
    array: { indices: '1-3', maxParallel: 2 },
    phases: [
      { name: 'a', command: 'true' },
      { name: 'b', script: '#!/bin/sh\n' },
    ],
    stopRequest: {
      mode: 'cancel',
      requestedBy: 'alice',
      requestedAt: '2026-11-23T10:00:02.000Z',
      outcome: 'SIGNALLED',
      signalledAt: null,
      message: null,
      escalation: { steps: [{ afterSeconds: 30, to: 'force-stop' }], dueAt: 'x' },
    } as never,
  }),
  // Fields with defaults left out; unknown fields (stripped).
  (() => {
    const { remoteUser, hidden, output, tasks, resubmittedAs, ...rest } = job;
    void [remoteUser, hidden, output, tasks, resubmittedAs];
    return { ...rest, surprise: 1 };
  })(),
  { ...job, id: 'not-a-uuid' },
  { ...job, status: 'BOGUS' },
  { ...job, exitCode: 1.5 },
  { ...job, env: { A: 1 } },
  { ...job, name: null },
  { ...job, array: { indices: '9-1' } },
  { ...job, phases: [{ name: 'a', command: 'x', script: 'y' }] },
  {
    ...job,
    phases: [
      { name: 'a', command: 'x' },
      { name: 'a', command: 'y' },
    ],
  },
  { ...job, tasks: { total: 1, counts: { NOPE: 1 } } },
  { ...job, args: 'x' },
  { ...job, __proto__: { name: 'inherited' } },
];
const garbage: unknown[] = [null, undefined, 0, 'x', [], {}, [job], true];

function expectSame(name: string, input: unknown) {
  const want = (real() as unknown as Record<string, Parser>)[name]!.safeParse(input);
  const got = standIn(name).safeParse(input);
  expect(got.success, `${name} ${JSON.stringify(input)?.slice(0, 80)}`).toBe(want.success);
  if (want.success) expect(got.data).toStrictEqual(want.data);
  else
    expect((got.error as { issues: unknown }).issues).toStrictEqual(
      (want.error as { issues: unknown }).issues,
    );
}

describe('the contract stand-in of the SDK bundle', () => {
  it('answers a valid job without loading the contract or zod', () => {
    expect(report.compiled).toContain('jobSchema');
    const parsed = standIn('jobSchema').safeParse(job);
    expect(parsed).toStrictEqual({ success: true, data: job });
    expect(parsed.data).not.toBe(job);
    expect(
      standIn('jobListResponseSchema').safeParse({ jobs: [job], nextCursor: null }).success,
    ).toBe(true);
    expect(contractLoaded()).toBe(false);
    // Constants are copies; functions call the real ones (which loads it).
    expect(lazy.TERMINAL_STATUSES).toStrictEqual(contract.TERMINAL_STATUSES);
    expect(contractLoaded()).toBe(false);
    expect((lazy.isTerminal as (s: string) => boolean)('FINISHED')).toBe(true);
    expect(contractLoaded()).toBe(true);
  });

  it('compiles every schema the SDK parses with', () => {
    for (const name of [
      'jobSchema',
      'jobListResponseSchema',
      'jobStatusResponseSchema',
      'stopJobsResponseSchema',
      'outputListResponseSchema',
    ]) {
      expect(report.compiled).toContain(name);
    }
  });

  it('gives what the real schema gives, valid or not', () => {
    for (const input of jobs) {
      expectSame('jobSchema', input);
      expectSame('jobListResponseSchema', { jobs: [job, input], nextCursor: 'c' });
    }
    for (const name of report.compiled)
      for (const input of [...garbage, ...jobs]) expectSame(name, input);
  });

  it('hands anything but safeParse to the real schema', () => {
    const s = lazy.jobSchema as typeof contract.jobSchema;
    expect(s.shape.id).toBe(real().jobSchema.shape.id);
    expect(s.parse(job)).toStrictEqual(job);
    expect(() => s.parse({})).toThrow();
  });
});
