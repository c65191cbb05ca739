import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../../fixtures.js';

useNock();

const jobId = aJob.id;
const list = `/v3/jobs/${jobId}/output/list`;
const entry = (name: string, type: string, size: number, path = name) => ({
  name,
  path,
  type,
  size,
  modified: '2026-11-23T10:05:00.123Z',
});

describe('jobs output ls', () => {
  it('the job directory as a table: type, size, modified, name', async () => {
    gateway()
      .get(list)
      .reply(200, {
        jobId,
        path: '',
        entries: [entry('results', 'dir', 0), entry('stdout', 'file', 1234)],
        nextSkip: null,
      });
    const r = await run(['jobs', 'output', 'ls', jobId]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      [
        'TYPE  SIZE  MODIFIED              NAME',
        'dir   0     2026-11-23T10:05:00Z  results',
        'file  1234  2026-11-23T10:05:00Z  stdout',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('');
  });

  it('a directory, as JSON; more entries than the page is said on stderr only without --json', async () => {
    const page = {
      jobId,
      path: 'results',
      entries: [entry('a.csv', 'file', 3, 'results/a.csv')],
      nextSkip: 1,
    };
    gateway().get(`${list}/results`).query({ limit: '1' }).times(2).reply(200, page);
    const json = await run(['jobs', 'output', 'ls', jobId, 'results', '--limit', '1', '--json']);
    expect(json.json()).toEqual(page);
    expect(json.err).toBe('');
    const table = await run(['jobs', 'output', 'ls', jobId, 'results', '--limit', '1']);
    expect(table.err).toBe('(more entries: pass --all, or a larger --limit)\n');
  });

  it('--all walks every page', async () => {
    gateway()
      .get(`${list}/out`)
      .reply(200, { jobId, path: 'out', entries: [entry('a', 'file', 1)], nextSkip: 1 })
      .get(`${list}/out`)
      .query({ skip: '1' })
      .reply(200, { jobId, path: 'out', entries: [entry('b', 'symlink', 2)], nextSkip: null });
    const r = await run(['jobs', 'output', 'ls', jobId, 'out', '--all', '--json']);
    expect(r.json()).toMatchObject({
      entries: [{ name: 'a' }, { name: 'b', type: 'symlink' }],
      nextSkip: null,
    });
  });

  it('no such directory is exit 2; a path leaving the job directory is exit 1', async () => {
    gateway()
      .get(`${list}/gone`)
      .reply(404, apiError('OUTPUT_NOT_FOUND', 'no such directory: gone'));
    const missing = await run(['jobs', 'output', 'ls', jobId, 'gone']);
    expect(missing.code).toBe(ExitCode.NOT_FOUND);
    expectOneErrorLine(missing.err, /no such directory/);
    const outside = await run(['jobs', 'output', 'ls', jobId, '../other']);
    expect(outside.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(outside.err, /invalid output path/);
  });
});
