import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, gateway, run, useNock } from '../../fixtures.js';
import { summary } from './array-fixtures.js';

useNock();

describe('jobs get: a job array', () => {
  it('shows the task counts beside the status, and the indices asked for', async () => {
    gateway()
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, {
        ...aJob,
        array: { indices: '1-100', maxParallel: 10 },
        tasks: summary({ SUCCEEDED: 12, RUNNING: 3, SKIPPED: 85 }),
      });
    const r = await run(['jobs', 'get', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    const lines = r.out.split('\n');
    const at = (key: string) => lines.findIndex((l) => l.startsWith(`${key}:`));
    expect(lines[at('tasks')]).toMatch(/^tasks: +Succeeded 12 · Running 3 · Skipped 85$/);
    expect(at('tasks')).toBe(at('condition') + 1);
    expect(r.out).toMatch(/^array: +1-100, at most 10 at once$/m);
  });

  it('a job of one part has neither line', async () => {
    gateway().get(`/v3/jobs/${aJob.id}`).reply(200, aJob);
    const r = await run(['jobs', 'get', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^status: +RUNNING$/m);
    expect(r.out).not.toMatch(/^(tasks|array):/m);
  });
});
