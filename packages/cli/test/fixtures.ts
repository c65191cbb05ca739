import { sampleJob } from '@hpcgate/contract/testing';
import type { Job } from '@hpcgate/sdk';
import nock from 'nock';
import { afterEach, beforeAll, expect } from 'vitest';
import { main } from '../src/index.js';
import { captureIo } from './capture-io.js';

export const BASE_URL = 'http://gateway.test';
export const TOKEN = 'sekret-token-value';

/** A job as the gateway returns it, for nock replies. */
export const aJob: Job = sampleJob();

export const otherJob: Job = {
  ...aJob,
  id: '6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f',
  name: 'sweep-2',
};

export const cancelled: Job = {
  ...aJob,
  status: 'CANCELLED',
  condition: 'CANCELLED_BY_USER',
  remoteState: 'CANCELLED',
  ended: '2026-11-23T10:01:00.000Z',
};

export function apiError(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** The gateway, as nock: every request must carry the token, and nothing else gets out. */
export function gateway(): nock.Scope {
  return nock(BASE_URL, { reqheaders: { authorization: `Bearer ${TOKEN}` } });
}

/**
 * Per test file: no real network; every interceptor a test sets up is used, and no request is
 * sent that a test did not expect (e.g. a real stop after a what-if).
 */
export function useNock(): void {
  const unexpected: string[] = [];
  const record = (req: { method?: string; path?: string; host?: string; hostname?: string }) => {
    // Only the fake gateway: a test may reach a real closed port on purpose.
    if ((req.hostname ?? req.host ?? '').startsWith('gateway.test')) {
      unexpected.push(`${req.method} ${req.path}`);
    }
  };
  beforeAll(() => {
    nock.disableNetConnect();
    nock.emitter.on('no match', record);
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    const sent = unexpected.splice(0);
    nock.cleanAll();
    expect(pending, 'interceptors left unused').toEqual([]);
    expect(sent, 'requests no interceptor expected').toEqual([]);
  });
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** What stdin holds; reading it when not given fails the test. */
  stdin?: string;
  /** stdin and stderr are terminals. */
  tty?: boolean;
  /** What the person types at the prompt; prompting when not given fails the test. */
  answer?: string;
}

/** Runs the CLI in-process against the nock gateway. */
export async function run(argv: string[], opts: RunOptions = {}) {
  const io = captureIo();
  const prompts: string[] = [];
  const code = await main(argv, {
    io,
    env: { HPCGATE_URL: BASE_URL, HPCGATE_TOKEN: TOKEN, HPCGATE_SYSTEM: 'cluster', ...opts.env },
    readStdin: async () => {
      if (opts.stdin === undefined) throw new Error('the command read stdin');
      return opts.stdin;
    },
    stdinIsTTY: opts.tty ?? false,
    stderrIsTTY: opts.tty ?? false,
    prompt: async (question) => {
      prompts.push(question);
      if (opts.answer === undefined) throw new Error('the command prompted');
      return opts.answer;
    },
  });
  const out = io.out();
  const err = io.err();
  // Whatever happens, the token never reaches the terminal.
  expect(out + err).not.toContain(TOKEN);
  return { code, out, err, prompts, json: () => JSON.parse(out) as unknown };
}

/** Exactly one line on stderr, `hpcgate: …`, for a failure. */
export function expectOneErrorLine(err: string, pattern: RegExp): void {
  expect(err).toMatch(/^hpcgate: [^\n]*\n$/);
  expect(err).toMatch(pattern);
}
