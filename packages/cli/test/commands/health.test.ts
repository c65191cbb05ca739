import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/index.js';
import { expectOneErrorLine, gateway, run, useNock } from '../fixtures.js';

useNock();

const system = (reachable: boolean) => ({
  reachable,
  latencyMs: reachable ? 12 : null,
  error: reachable ? null : 'connect ETIMEDOUT',
  checkedAt: '2026-11-23T10:00:00.000Z',
  lastPollCycle: null,
});

describe('health', () => {
  it('every system reachable: a table, exit 0', async () => {
    gateway()
      .get('/readyz')
      .reply(200, {
        status: 'ready',
        store: { ok: true, error: null },
        systems: { cluster: system(true) },
      });
    const r = await run(['health']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^SYSTEM +REACHABLE +LATENCY_MS +ERROR\ncluster +yes +12 +-\n$/);
  });

  it('a system unreachable (503): the table, then exit 5', async () => {
    gateway()
      .get('/readyz')
      .reply(503, {
        status: 'not_ready',
        store: { ok: true, error: null },
        systems: { cluster: system(false) },
      });
    const r = await run(['health', '--json']);
    expect(r.code).toBe(ExitCode.SERVER);
    expect(r.json()).toMatchObject({ status: 'not_ready' });
    expectOneErrorLine(r.err, /unreachable/);
  });
});
