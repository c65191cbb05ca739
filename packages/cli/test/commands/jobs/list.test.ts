import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import {
  aJob,
  apiError,
  expectOneErrorLine,
  gateway,
  otherJob,
  run,
  useNock,
} from '../../fixtures.js';

useNock();

describe('jobs list', () => {
  it('--include-hidden asks for the hidden jobs too; without it, nothing is sent about them', async () => {
    gateway()
      .get('/v3/jobs/list')
      .query({ includeHidden: 'true' })
      .reply(200, { jobs: [{ ...aJob, hidden: true }], nextCursor: null })
      .get('/v3/jobs/list')
      .query({})
      .reply(200, { jobs: [], nextCursor: null });
    const shown = await run(['jobs', 'list', '--include-hidden']);
    expect(shown.code).toBe(ExitCode.OK);
    expect(shown.out).toContain(aJob.id);
    const plain = await run(['jobs', 'list']);
    expect(plain.out).toBe('(none)\n');
  });

  it('prints a table: ID NAME STATUS CONDITION REMOTE_ID CREATED', async () => {
    gateway()
      .get('/v3/jobs/list')
      .reply(200, {
        jobs: [aJob, { ...otherJob, status: 'PENDING', remoteJobId: null }],
        nextCursor: null,
      });
    const r = await run(['jobs', 'list']);
    expect(r.code).toBe(ExitCode.OK);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +STATUS +CONDITION +REMOTE_ID +CREATED$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${aJob.id} +sweep-1 +RUNNING +- +42 +2026-11-23T10:00:00Z$`),
    );
    expect(lines[2]).toMatch(/sweep-2 +PENDING +- +- +/);
    expect(r.err).toBe('');
  });

  it('sends the filters: repeatable and comma-separated statuses, name, system, tags, limit', async () => {
    gateway()
      .get('/v3/jobs/list')
      .query({
        status: 'PENDING,RUNNING,FAILED',
        name: 'exp-*',
        execSystemId: 'cluster',
        tags: 'a,b',
        limit: '5',
      })
      .reply(200, { jobs: [aJob], nextCursor: 'more' });
    const r = await run([
      'jobs',
      'list',
      '--status',
      'pending,RUNNING',
      '--status',
      'FAILED',
      '--name',
      'exp-*',
      '--system',
      'cluster',
      '--tag',
      'a',
      '--tag',
      'b',
      '--limit',
      '5',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.err).toBe('(more jobs match: pass --all, or a larger --limit)\n');
  });

  it('an unknown status is a usage error, before any request', async () => {
    const r = await run(['jobs', 'list', '--status', 'DONE']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /unknown status "DONE"/);
  });

  it('--all walks every page; --json prints { jobs, nextCursor }', async () => {
    gateway()
      .get('/v3/jobs/list')
      .query({ status: 'RUNNING' })
      .reply(200, { jobs: [aJob], nextCursor: 'c1' })
      .get('/v3/jobs/list')
      .query({ status: 'RUNNING', cursor: 'c1' })
      .reply(200, { jobs: [otherJob], nextCursor: null });
    const r = await run(['jobs', 'list', '--status', 'RUNNING', '--all', '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const page = r.json() as { jobs: { id: string }[]; nextCursor: null };
    expect(page.jobs.map((j) => j.id)).toEqual([aJob.id, otherJob.id]);
    expect(page.nextCursor).toBeNull();
    expect(r.err).toBe('');
  });

  it('no jobs: (none)', async () => {
    gateway().get('/v3/jobs/list').reply(200, { jobs: [], nextCursor: null });
    expect((await run(['jobs', 'list'])).out).toBe('(none)\n');
  });

  it('HTTP 500 → exit 5', async () => {
    gateway().get('/v3/jobs/list').times(3).reply(500, apiError('INTERNAL', 'database is locked'));
    const r = await run(['jobs', 'list']);
    expect(r.code).toBe(ExitCode.SERVER);
    expectOneErrorLine(r.err, /database is locked/);
  });
});
