import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// POST /v3/jobs/{jobId}/hide and /unhide, and the list's includeHidden, on the real sandbox.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const listedIds = async (user: string, query = '') =>
  (await h.call(user, 'GET', `/v3/jobs/list?name=hide-*${query}`)).body.jobs.map(
    (j: { id: string }) => j.id,
  );

describe('hide and unhide', () => {
  it('a hidden job is left out of the list unless includeHidden=true; unhide brings it back', async () => {
    const kept = await h.submit('alice', { name: 'hide-kept', command: 'true' });
    const job = await h.submit('alice', { name: 'hide-me', command: 'sleep 300' });
    await h.waitFor('alice', job.id, hasStatus('RUNNING'));
    const before = (await h.call('alice', 'GET', `/v3/jobs/${job.id}/history`)).body.events;

    const hidden = await h.call('alice', 'POST', `/v3/jobs/${job.id}/hide`);
    expect(hidden.status).toBe(200);
    expect(hidden.body).toMatchObject({ id: job.id, hidden: true, status: 'RUNNING' });
    expect(await listedIds('alice')).toEqual([kept.id]);
    expect(await listedIds('alice', '&includeHidden=false')).toEqual([kept.id]);
    expect(await listedIds('alice', '&includeHidden=true')).toEqual([job.id, kept.id]);
    // Hiding twice is still hidden.
    expect((await h.call('alice', 'POST', `/v3/jobs/${job.id}/hide`)).body.hidden).toBe(true);

    // Still the job it was: readable by id, history kept, stoppable, in its event stream.
    const read = await h.call('alice', 'GET', `/v3/jobs/${job.id}`);
    expect(read.body).toMatchObject({ hidden: true, status: 'RUNNING' });
    expect((await h.call('alice', 'GET', `/v3/jobs/${job.id}/history`)).body.events).toEqual(
      before,
    );
    const stopped = await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, { wait: 60 });
    expect(stopped.body).toMatchObject({ status: 'CANCELLED', hidden: true });
    const stream = await h.app.inject({
      method: 'GET',
      url: `/v3/jobs/${job.id}/events`,
      headers: { authorization: `Bearer ${await h.issuer.token('alice')}` },
    });
    expect(stream.statusCode).toBe(200);
    expect(stream.body).toMatch(/"event":"STOP_REQUESTED"/);
    expect(stream.body).toMatch(/event: end/);

    const shown = await h.call('alice', 'POST', `/v3/jobs/${job.id}/unhide`);
    expect(shown.status).toBe(200);
    expect(shown.body.hidden).toBe(false);
    expect(await listedIds('alice')).toEqual([job.id, kept.id]);
  });

  it("another user's job is 404 for hide and unhide, and stays as it was", async () => {
    const job = await h.submit('alice', { name: 'hide-private', command: 'true' });
    for (const verb of ['hide', 'unhide']) {
      const res = await h.call('bob', 'POST', `/v3/jobs/${job.id}/${verb}`);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'JOB_NOT_FOUND', details: { jobId: job.id } });
    }
    expect((await h.call('alice', 'GET', `/v3/jobs/${job.id}`)).body.hidden).toBe(false);
  });

  it('refuses a body field, a bad includeHidden and a bad id with 400', async () => {
    const job = await h.submit('alice', { name: 'hide-bad', command: 'true' });
    const field = await h.call('alice', 'POST', `/v3/jobs/${job.id}/hide`, { hidden: false });
    expect(field.status).toBe(400);
    expect(field.body.error.code).toBe('VALIDATION_FAILED');
    const query = await h.call('alice', 'GET', '/v3/jobs/list?includeHidden=yes');
    expect(query.status).toBe(400);
    expect(query.body.error.details.field).toMatch(/^querystring\.includeHidden/);
    const id = await h.call('alice', 'POST', '/v3/jobs/nope/hide');
    expect(id.body.error.details.field).toBe('params.jobId');
  });
});
