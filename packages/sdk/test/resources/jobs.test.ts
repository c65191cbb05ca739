import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, Hpcgate, TimeoutError } from '../../src/index.js';
import { aJob } from '../fixtures.js';

const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('client.jobs', () => {
  it('listAll walks every page with the cursor', async () => {
    const second = { ...aJob, id: '6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f' };
    nock(baseUrl)
      .get('/v3/jobs/list')
      .query({ status: 'PENDING,RUNNING', limit: '1' })
      .reply(200, { jobs: [aJob], nextCursor: 'c1' })
      .get('/v3/jobs/list')
      .query({ status: 'PENDING,RUNNING', limit: '1', cursor: 'c1' })
      .reply(200, { jobs: [second], nextCursor: null });
    const ids: string[] = [];
    for await (const job of new Hpcgate({ baseUrl }).jobs.listAll({
      status: ['PENDING', 'RUNNING'],
      limit: 1,
    })) {
      ids.push(job.id);
    }
    expect(ids).toEqual([aJob.id, second.id]);
  });

  it('cancelJob sends the mode, and no wait unless asked', async () => {
    nock(baseUrl).post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'force-stop' }).reply(202, aJob);
    const job = await new Hpcgate({ baseUrl }).jobs.cancelJob({
      jobId: aJob.id,
      mode: 'force-stop',
    });
    expect(job.status).toBe('RUNNING');
  });

  it('cancelJob with wait and no event stream: the gateway holds the answer for what is left', async () => {
    const sent: { mode?: string; wait?: number }[] = [];
    nock(baseUrl)
      // No interceptor for the event stream: it cannot be opened, so the gateway waits instead.
      .post(`/v3/jobs/${aJob.id}/cancel`, (body) => sent.push(body) > 0)
      .reply(200, { ...aJob, status: 'CANCELLED' });
    const job = await new Hpcgate({ baseUrl }).jobs.cancelJob({
      jobId: aJob.id,
      mode: 'force-stop',
      wait: 5,
    });
    expect(job.status).toBe('CANCELLED');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.mode).toBe('force-stop');
    expect(sent[0]?.wait).toBeGreaterThan(0);
    expect(sent[0]?.wait).toBeLessThanOrEqual(5);
  });

  it('waitForJob polls until a terminal state', async () => {
    nock(baseUrl)
      .get(`/v3/jobs/${aJob.id}`)
      .times(2)
      .reply(200, aJob)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, { ...aJob, status: 'FINISHED', condition: 'NORMAL_COMPLETION' });
    const seen: string[] = [];
    const job = await new Hpcgate({ baseUrl }).jobs.waitForJob({
      jobId: aJob.id,
      onPoll: (j) => seen.push(j.status),
    });
    expect(job.status).toBe('FINISHED');
    expect(seen).toEqual(['RUNNING', 'RUNNING', 'FINISHED']);
  });

  it('waitForJob gives up with a TimeoutError, or stops when aborted', async () => {
    nock(baseUrl).get(`/v3/jobs/${aJob.id}`).times(20).reply(200, aJob);
    const client = new Hpcgate({ baseUrl });
    await expect(client.jobs.waitForJob({ jobId: aJob.id, timeoutMs: 300 })).rejects.toBeInstanceOf(
      TimeoutError,
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(
      client.jobs.waitForJob({ jobId: aJob.id, signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortError);
  });

  it('stopJobs sends the selector', async () => {
    nock(baseUrl)
      .post('/v3/jobs/stop', { selector: { names: ['sweep-*'] }, mode: 'cancel', whatIf: true })
      .reply(200, {
        mode: 'cancel',
        whatIf: true,
        status: 'NO_JOBS_RUNNING',
        message: 'no job executions are currently running that match names=[sweep-*]',
        results: [],
      });
    const res = await new Hpcgate({ baseUrl }).jobs.stopJobs({
      selector: { names: ['sweep-*'] },
      mode: 'cancel',
      whatIf: true,
    });
    expect(res.results).toEqual([]);
  });
});
