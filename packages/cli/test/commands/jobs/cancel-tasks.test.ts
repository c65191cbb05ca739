import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, gateway, run, useNock } from '../../fixtures.js';
import { drainingArray } from './array-fixtures.js';

useNock();

const cancelRoute = `/v3/jobs/${aJob.id}/cancel`;

describe('jobs cancel --tasks', () => {
  it('asks for a stop of those tasks only, in the mode given', async () => {
    gateway()
      .post(cancelRoute, { mode: 'interrupt', tasks: '5-9' })
      .reply(202, {
        ...drainingArray,
        stopRequest: { ...drainingArray.stopRequest, mode: 'interrupt' },
      });
    const r = await run(['jobs', 'cancel', aJob.id, '--interrupt', '--tasks', '5-9']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^interrupt requested for /);
  });
});
