import { describe, expect, it } from 'vitest';
import {
  jobSelectorSchema,
  listJobsQuerySchema,
  MAX_BULK_STOP,
  MAX_LIST_LIMIT,
  stopJobsRequestSchema,
} from '../src/index.js';

const id = '3f2b8e4e-8c1d-4f5a-9b7e-2d6c1a0f9e8d';

describe('jobSelectorSchema refuses an empty criterion (it would select every job)', () => {
  it.each([
    ['ids', { ids: [] }, /at least one job id/],
    ['status', { status: [] }, /at least one status/],
    ['names', { names: [] }, /at least one name/],
    ['tags', { tags: [] }, /at least one tag/],
    ['execSystemId', { execSystemId: '' }, /system id/],
  ])('%s', (field, selector, message) => {
    const r = jobSelectorSchema.safeParse(selector);
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    expect(issue.path).toEqual([field]);
    expect(issue.message).toMatch(message);
    expect(issue.message).toContain(field);
  });

  it('names the field inside a stop request, even beside a good criterion', () => {
    const r = stopJobsRequestSchema.safeParse({ selector: { names: ['exp-*'], status: [] } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['selector.status']);
  });

  it('still needs at least one criterion, and refuses unknown ones', () => {
    expect(jobSelectorSchema.safeParse({}).success).toBe(false);
    expect(jobSelectorSchema.safeParse({ owner: 'bob' }).success).toBe(false);
  });

  it('accepts given criteria, and ids up to the bulk-stop maximum', () => {
    expect(
      jobSelectorSchema.parse({
        ids: [id],
        status: ['RUNNING'],
        names: ['exp-*'],
        tags: ['a'],
        execSystemId: 'cluster',
      }),
    ).toMatchObject({ ids: [id] });
    expect(MAX_BULK_STOP).toBe(10_000);
    expect(jobSelectorSchema.safeParse({ ids: Array(MAX_BULK_STOP).fill(id) }).success).toBe(true);
    expect(jobSelectorSchema.safeParse({ ids: Array(MAX_BULK_STOP + 1).fill(id) }).success).toBe(
      false,
    );
  });
});

describe('listJobsQuerySchema bounds', () => {
  it(`allows at most ${MAX_LIST_LIMIT} jobs a page`, () => {
    expect(MAX_LIST_LIMIT).toBe(500);
    expect(listJobsQuerySchema.parse({ limit: '500' }).limit).toBe(500);
    expect(listJobsQuerySchema.safeParse({ limit: '501' }).success).toBe(false);
    expect(listJobsQuerySchema.safeParse({ limit: '1000' }).success).toBe(false);
  });

  it.each([
    ['status', { status: '' }],
    ['status', { status: ',' }],
    ['tags', { tags: '' }],
  ])('refuses an empty %s list', (field, query) => {
    const r = listJobsQuerySchema.safeParse(query);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual([field]);
    expect(r.error!.issues[0]!.message).toMatch(/at least one/);
  });
});
