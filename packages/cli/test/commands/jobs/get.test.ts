import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';

useNock();

describe('jobs get', () => {
  it('prints the job as key/value lines', async () => {
    gateway()
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, { ...aJob, env: { SECRET: 'do-not-print' }, script: '#!/bin/bash\necho hi' });
    const r = await run(['jobs', 'get', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(new RegExp(`^id: +${aJob.id}$`, 'm'));
    expect(r.out).toMatch(/^status: +RUNNING$/m);
    expect(r.out).toMatch(/^remoteJobId: +42$/m);
    expect(r.out).toMatch(/^remoteUser: +alice$/m);
    expect(r.out).toMatch(/^env: +SECRET$/m);
    expect(r.out).toMatch(/^script: +\(2 lines\)$/m);
    expect(r.out).not.toContain('do-not-print');
    expect(r.err).toBe('');
  });

  it('--json prints the job and nothing else', async () => {
    gateway().get(`/v3/jobs/${aJob.id}`).reply(200, aJob);
    const r = await run(['jobs', 'get', aJob.id, '--json']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.json()).toMatchObject({ id: aJob.id, status: 'RUNNING' });
  });

  it.each([
    [404, ExitCode.NOT_FOUND, apiError('JOB_NOT_FOUND', `job ${aJob.id} not found`), /not found/],
    [401, ExitCode.AUTH, apiError('UNAUTHENTICATED', 'the token has expired'), /expired/],
    [403, ExitCode.AUTH, apiError('FORBIDDEN', 'not allowed'), /not allowed/],
    [400, ExitCode.USAGE, apiError('VALIDATION_FAILED', 'params.id: Invalid UUID'), /invalid/],
  ])('HTTP %i → exit %i', async (status, code, body, message) => {
    gateway().get(`/v3/jobs/${aJob.id}`).reply(status, body);
    const r = await run(['jobs', 'get', aJob.id]);
    expect(r.code).toBe(code);
    expectOneErrorLine(r.err, message);
    expect(r.out).toBe('');
  });

  it('HTTP 500 (after the SDK retries) → exit 5', async () => {
    gateway().get(`/v3/jobs/${aJob.id}`).times(3).reply(500, apiError('INTERNAL', 'boom'));
    const r = await run(['jobs', 'get', aJob.id]);
    expect(r.code).toBe(ExitCode.SERVER);
    expectOneErrorLine(r.err, /^hpcgate: boom$/m);
  });

  it('connection refused → exit 5', async () => {
    nock.enableNetConnect('127.0.0.1');
    // Port 1 on loopback: nothing listens there.
    const r = await run(['jobs', 'get', aJob.id], { env: { HPCGATE_URL: 'http://127.0.0.1:1' } });
    nock.disableNetConnect();
    expect(r.code).toBe(ExitCode.SERVER);
    expectOneErrorLine(r.err, /cannot reach the gateway: ECONNREFUSED/);
  });
});
