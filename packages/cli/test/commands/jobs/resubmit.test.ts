import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const next = { ...otherJob, status: 'PROCESSING_INPUTS', resubmittedFrom: aJob.id };

describe('jobs resubmit', () => {
  it('sends only the flags given, as the submit flags read them, and prints the new job', async () => {
    let body: unknown;
    gateway()
      .post(`/v3/jobs/${aJob.id}/resubmit`, (b) => {
        body = b;
        return true;
      })
      .reply(201, next);
    const r = await run([
      'jobs',
      'resubmit',
      aJob.id,
      '--name',
      'again',
      '--time',
      '90',
      '--command',
      'sleep 60',
      '--mem',
      '2G',
      '--tag',
      'a,b',
      '--env',
      'A=1',
      '--exclusive-key',
      'etl',
      '--',
      '--seed',
      '7',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(body).toEqual({
      name: 'again',
      maxMinutes: 90,
      command: 'sleep 60',
      memoryMB: 2048,
      tags: ['a', 'b'],
      env: { A: '1' },
      exclusiveKey: 'etl',
      args: ['--seed', '7'],
    });
    expect(r.out).toMatch(new RegExp(`^id: +${next.id}$`, 'm'));
    expect(r.out).toMatch(new RegExp(`^resubmittedFrom: +${aJob.id}$`, 'm'));
  });

  it('no flags: an empty body, the old job again; --tag and --env given empty clear them', async () => {
    const bodies: unknown[] = [];
    gateway()
      .post(`/v3/jobs/${aJob.id}/resubmit`, (b) => bodies.push(b) > 0)
      .times(2)
      .reply(201, next);
    await run(['jobs', 'resubmit', aJob.id]);
    await run(['jobs', 'resubmit', aJob.id, '--tag', '', '--env', '', '--no-exclusive']);
    expect(bodies).toEqual([{}, { tags: [], env: {}, exclusive: false }]);
  });

  it('--script reads a new script (or - for stdin)', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'hpcgate-cli-')), 'v2.sh');
    await writeFile(path, '#!/bin/bash\necho v2\n');
    const bodies: unknown[] = [];
    gateway()
      .post(`/v3/jobs/${aJob.id}/resubmit`, (b) => bodies.push(b) > 0)
      .times(2)
      .reply(201, next);
    await run(['jobs', 'resubmit', aJob.id, '--script', path]);
    await run(['jobs', 'resubmit', aJob.id, '--script', '-'], { stdin: 'echo v3\n' });
    expect(bodies).toEqual([{ script: '#!/bin/bash\necho v2\n' }, { script: 'echo v3\n' }]);
  });

  it.each([
    [['--script', 'x.sh', '--command', 'ls'], /--script or --command, not both/],
    [['--time', '0'], /--time must be a whole number/],
    [['--script', '/nonexistent/v2.sh'], /cannot read \/nonexistent\/v2.sh: ENOENT/],
  ])('usage error before any request: %j', async (argv, message) => {
    const r = await run(['jobs', 'resubmit', aJob.id, ...argv]);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, message);
  });

  it("another user's job (404) → exit 2; a singleton still running (409) → exit 3 naming it", async () => {
    gateway()
      .post(`/v3/jobs/${otherJob.id}/resubmit`)
      .reply(404, apiError('JOB_NOT_FOUND', `job ${otherJob.id} not found`, { jobId: otherJob.id }))
      .post(`/v3/jobs/${aJob.id}/resubmit`)
      .reply(
        409,
        apiError('JOB_ALREADY_RUNNING', 'already running', {
          jobId: aJob.id,
          name: 'sweep-1',
          status: 'PENDING',
          since: '2026-11-23T10:00:00.100Z',
        }),
      );
    const missing = await run(['jobs', 'resubmit', otherJob.id]);
    expect(missing.code).toBe(ExitCode.NOT_FOUND);
    expectOneErrorLine(missing.err, /not found/);
    const held = await run(['jobs', 'resubmit', aJob.id]);
    expect(held.code).toBe(ExitCode.CONFLICT);
    expectOneErrorLine(held.err, new RegExp(`stop it with: hpcgate jobs cancel ${aJob.id}$`, 'm'));
  });
});
