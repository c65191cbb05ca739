import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';
import { aPage, aTask, summary } from './array-fixtures.js';
import { unmatchedRequests } from './streams.js';

useNock();
const unmatched = unmatchedRequests();

const route = `/v3/jobs/${aJob.id}/tasks`;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('jobs tasks', () => {
  it('a table of the tasks, then the counts of the non-zero statuses', async () => {
    const counts = summary({ SUCCEEDED: 12, RUNNING: 3, SKIPPED: 85 });
    gateway()
      .get(route)
      .query({ limit: '1000' })
      .reply(
        200,
        aPage(
          [aTask(1), aTask(2, 'RUNNING'), aTask(3, 'FAILED'), aTask(4, 'SKIPPED')],
          null,
          counts,
        ),
      );
    const r = await run(['jobs', 'tasks', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      [
        'INDEX  STATUS     EXIT  STARTED               ENDED',
        '1      SUCCEEDED  0     2026-11-23T10:00:00Z  2026-11-23T10:01:00Z',
        '2      RUNNING    -     2026-11-23T10:00:00Z  -',
        '3      FAILED     1     2026-11-23T10:00:00Z  2026-11-23T10:01:00Z',
        '4      SKIPPED    -     -                     -',
        'Succeeded 12 · Running 3 · Skipped 85',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('');
  });

  it('the counts keep one order whatever the numbers: ended well, ended badly, live, never run', async () => {
    const counts = summary({
      PENDING: 1,
      RUNNING: 2,
      SUCCEEDED: 3,
      FAILED: 4,
      CANCELED: 5,
      SKIPPED: 6,
    });
    gateway()
      .get(route)
      .query(true)
      .reply(200, aPage([], null, counts));
    const r = await run(['jobs', 'tasks', aJob.id]);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe(
      'Succeeded 3 · Failed 4 · Canceled 5 · Running 2 · Pending 1 · Skipped 6',
    );
  });

  it('by default every page, in order, with the counts of the last page read', async () => {
    gateway()
      .get(route)
      .query({ limit: '1000' })
      .reply(
        200,
        aPage(
          range(1, 1000).map((i) => aTask(i)),
          1000,
          summary({ RUNNING: 1001 }),
        ),
      )
      .get(route)
      .query({ limit: '1000', skip: '1000' })
      .reply(200, aPage([aTask(1001)], null, summary({ SUCCEEDED: 1001 })));
    const r = await run(['jobs', 'tasks', aJob.id, '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const answer = r.json() as { tasks: { index: number }[]; summary: unknown; nextSkip: unknown };
    expect(answer.tasks.map((t) => t.index)).toEqual(range(1, 1001));
    expect(answer.summary).toEqual(summary({ SUCCEEDED: 1001 }));
    expect(answer.nextSkip).toBeNull();
    // --json: the answer on stdout and nothing else anywhere.
    expect(r.err).toBe('');
  });

  it('stops at 10,000 tasks, and says there are more', async () => {
    const counts = summary({ PENDING: 10_500 });
    const scope = gateway();
    for (let page = 0; page < 10; page++) {
      const skip = page * 1000;
      scope
        .get(route)
        .query(skip ? { limit: '1000', skip: String(skip) } : { limit: '1000' })
        .reply(
          200,
          aPage(
            range(skip + 1, skip + 1000).map((i) => aTask(i, 'PENDING')),
            skip + 1000,
            counts,
          ),
        );
    }
    const r = await run(['jobs', 'tasks', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    // The header, 10,000 rows, the counts: the eleventh page was never asked for.
    expect(r.out.trimEnd().split('\n')).toHaveLength(10_002);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('Pending 10500');
    expect(r.err).toBe('(the first 10000 of 10500 tasks: --limit and --skip for the rest)\n');
    expect(unmatched()).toEqual([]);
  });

  it('--limit and --skip: one page, and where the next one starts', async () => {
    gateway()
      .get(route)
      .query({ limit: '2', skip: '2' })
      .reply(200, aPage([aTask(3), aTask(4)], 4, summary({ SUCCEEDED: 6 })));
    const r = await run(['jobs', 'tasks', aJob.id, '--limit', '2', '--skip', '2']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^3 {6}SUCCEEDED/m);
    expect(r.out).toMatch(/^4 {6}SUCCEEDED/m);
    expect(r.out).not.toMatch(/^[1256] /m);
    expect(r.err).toBe('(more tasks: --skip 4 for the next page)\n');
  });

  it('the tasks of a phased job have names: a NAME column after the index', async () => {
    const phases = [
      { ...aTask(1), name: 'prepare' },
      { ...aTask(2, 'RUNNING'), name: 'train' },
    ];
    gateway()
      .get(route)
      .query(true)
      .reply(200, aPage(phases, null, summary({ SUCCEEDED: 1, RUNNING: 1 })));
    const r = await run(['jobs', 'tasks', aJob.id]);
    expect(r.out.split('\n')[0]).toBe(
      'INDEX  NAME     STATUS     EXIT  STARTED               ENDED',
    );
    expect(r.out).toMatch(/^2 {6}train {4}RUNNING/m);
  });

  it('a job of one part has no tasks: "(none)", and stderr says why', async () => {
    gateway()
      .get(route)
      .query(true)
      .reply(200, aPage([], null, summary({})));
    const r = await run(['jobs', 'tasks', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe('(none)\n');
    expect(r.err).toBe(`(job ${aJob.id} is not a job array: it has no tasks)\n`);
  });

  it('an unknown job is exit 2', async () => {
    gateway()
      .get(route)
      .query(true)
      .reply(404, apiError('JOB_NOT_FOUND', `job ${aJob.id} not found`));
    const r = await run(['jobs', 'tasks', aJob.id]);
    expect(r.code).toBe(ExitCode.NOT_FOUND);
    expectOneErrorLine(r.err, /not found/);
  });

  it.each([
    [['--limit', '0'], /--limit must be a whole number/],
    [['--limit', '10', '--skip', '-1'], /--skip must be a whole number ≥ 0/],
    [['--skip', '10'], /Missing dependent arguments/],
  ])('%j is a usage error, and nothing is sent', async (flags, message) => {
    const r = await run(['jobs', 'tasks', aJob.id, ...flags]);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, message);
    expect(unmatched()).toEqual([]);
  });
});
