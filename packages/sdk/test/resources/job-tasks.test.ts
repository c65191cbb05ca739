import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Hpcgate,
  InvalidResponseError,
  type JobTask,
  type JobTasks,
  NotFoundError,
  type TaskSummary,
} from '../../src/index.js';
import { aJob } from '../fixtures.js';

const baseUrl = 'http://gateway.test';
const jobId = aJob.id;
const route = `/v3/jobs/${jobId}/tasks`;
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const summary = (counts: Partial<TaskSummary['counts']>): TaskSummary => {
  const all = { PENDING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELED: 0, SKIPPED: 0 };
  const merged = { ...all, ...counts };
  return { total: Object.values(merged).reduce((a, b) => a + b, 0), counts: merged };
};

const task = (index: number, status: JobTask['status'] = 'SUCCEEDED'): JobTask => ({
  index,
  name: null,
  status,
  remoteState: status === 'SUCCEEDED' ? 'COMPLETED' : null,
  exitCode: status === 'SUCCEEDED' ? 0 : null,
  started: '2026-11-23T10:00:00.000Z',
  ended: status === 'SUCCEEDED' ? '2026-11-23T10:01:00.000Z' : null,
});

const page = (
  tasks: JobTask[],
  nextSkip: number | null,
  counts: Partial<TaskSummary['counts']> = { SUCCEEDED: 3 },
): JobTasks => ({
  jobId,
  summary: summary(counts),
  tasks,
  nextSkip,
});

describe('client.jobs: job arrays', () => {
  it('submitJob sends the array as given and reads the job array back', async () => {
    const bodies: unknown[] = [];
    nock(baseUrl)
      .post('/v3/jobs/submit', (b) => bodies.push(b) > 0)
      .reply(201, {
        ...aJob,
        status: 'PROCESSING_INPUTS',
        array: { indices: '1-20', maxParallel: 4 },
        tasks: summary({ PENDING: 20 }),
      });
    const request = {
      name: 'sweep',
      execSystemId: 'cluster',
      command: 'echo $SLURM_ARRAY_TASK_ID',
      array: { indices: '1-20', maxParallel: 4 },
    };
    const job = await new Hpcgate({ baseUrl }).jobs.submitJob(request);
    expect(bodies).toEqual([request]);
    expect(job.array).toEqual({ indices: '1-20', maxParallel: 4 });
    expect(job.tasks).toEqual({ total: 20, counts: expect.objectContaining({ PENDING: 20 }) });
  });

  it('a job from a gateway without arrays reads as a job of one part', async () => {
    const { tasks, array, ...older } = aJob;
    nock(baseUrl).get(`/v3/jobs/${jobId}`).reply(200, older);
    const job = await new Hpcgate({ baseUrl }).jobs.getJob({ jobId });
    expect(job).toMatchObject({ tasks: null, array: null });
  });

  it('getJobTasks sends limit and skip when given, and nothing when not', async () => {
    const first = page([task(1), task(2)], 2);
    const rest = page([task(3)], null);
    nock(baseUrl)
      .get(route)
      .query({})
      .reply(200, first)
      .get(route)
      .query({ limit: '2', skip: '2' })
      .reply(200, rest);
    const jobs = new Hpcgate({ baseUrl }).jobs;
    expect(await jobs.getJobTasks({ jobId })).toEqual(first);
    expect(await jobs.getJobTasks({ jobId, limit: 2, skip: 2 })).toEqual(rest);
    expect(nock.isDone()).toBe(true);
  });

  it('listAllTasks yields every page, following nextSkip, with the limit on each', async () => {
    nock(baseUrl)
      .get(route)
      .query({ limit: '2' })
      .reply(200, page([task(1), task(2)], 2, { SUCCEEDED: 2, RUNNING: 1 }))
      .get(route)
      .query({ limit: '2', skip: '2' })
      // The counts of a later page are read later: they may have moved on.
      .reply(200, page([task(3)], null, { SUCCEEDED: 3 }));
    const pages: JobTasks[] = [];
    for await (const p of new Hpcgate({ baseUrl }).jobs.listAllTasks({ jobId, limit: 2 })) {
      pages.push(p);
    }
    expect(pages.flatMap((p) => p.tasks.map((t) => t.index))).toEqual([1, 2, 3]);
    expect(pages.map((p) => p.summary.counts.SUCCEEDED)).toEqual([2, 3]);
    expect(nock.isDone()).toBe(true);
  });

  it('listAllTasks stops where the caller stops: no page is asked for beyond it', async () => {
    nock(baseUrl)
      .get(route)
      .reply(200, page([task(1)], 1));
    const jobs = new Hpcgate({ baseUrl }).jobs;
    for await (const p of jobs.listAllTasks({ jobId })) {
      expect(p.nextSkip).toBe(1);
      break;
    }
    // A second page would have been a request no interceptor answers (nock would refuse it).
    expect(nock.isDone()).toBe(true);
  });

  it('a job of one part has no tasks: one empty page', async () => {
    nock(baseUrl)
      .get(route)
      .reply(200, page([], null, {}));
    const pages: JobTasks[] = [];
    for await (const p of new Hpcgate({ baseUrl }).jobs.listAllTasks({ jobId })) pages.push(p);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ tasks: [], summary: { total: 0 }, nextSkip: null });
  });

  it('an unknown job is NotFoundError; a page off the contract is InvalidResponseError', async () => {
    nock(baseUrl)
      .get(route)
      .reply(404, { error: { code: 'JOB_NOT_FOUND', message: `job ${jobId} not found` } })
      .get(route)
      .reply(200, { jobId, tasks: [{ index: 1, status: 'DONE' }], nextSkip: null });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    await expect(jobs.getJobTasks({ jobId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(jobs.getJobTasks({ jobId })).rejects.toBeInstanceOf(InvalidResponseError);
  });
});
