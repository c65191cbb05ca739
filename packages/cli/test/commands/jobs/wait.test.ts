import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, cancelled, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';

useNock();

const finished = { ...aJob, status: 'FINISHED', condition: 'NORMAL_COMPLETION', exitCode: 0 };

describe('jobs wait', () => {
  it('polls until the job ends, then prints it; no progress without a terminal', async () => {
    gateway()
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, finished);
    const r = await run(['jobs', 'wait', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^status: +FINISHED$/m);
    expect(r.err).toBe('');
  });

  it('on a terminal: a progress line on stderr, cleared at the end; --json stays pure', async () => {
    gateway()
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, finished);
    const r = await run(['jobs', 'wait', aJob.id, '--json'], { tty: true });
    expect(r.json()).toMatchObject({ status: 'FINISHED' });
    expect(r.err).toMatch(new RegExp(`^\\r⠋ job ${aJob.id} waiting \\(0 s\\)`));
    expect(r.err).toContain(`job ${aJob.id} RUNNING (`);
    expect(r.err.endsWith('\r\u001b[K')).toBe(true);
  });

  it('--until RUNNING stops there; the statuses are case-insensitive', async () => {
    gateway()
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, { ...aJob, status: 'PENDING' })
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob);
    const r = await run(['jobs', 'wait', aJob.id, '--until', 'running']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^status: +RUNNING$/m);
  });

  it('a job that ended CANCELLED is still "reached": exit 0, unless --exit-status (6)', async () => {
    gateway().get(`/v3/jobs/${aJob.id}`).times(2).reply(200, cancelled);
    expect((await run(['jobs', 'wait', aJob.id])).code).toBe(ExitCode.OK);
    const r = await run(['jobs', 'wait', aJob.id, '--exit-status']);
    expect(r.code).toBe(ExitCode.JOB_UNSUCCESSFUL);
    expectOneErrorLine(r.err, /ended CANCELLED \(CANCELLED_BY_USER/);
  });

  it('--timeout: still running → exit 5 with where the job is', async () => {
    // How many polls fit in 0.4 s depends on the machine's load: one is certain, more may come.
    gateway()
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob)
      .get(`/v3/jobs/${aJob.id}`)
      .times(10)
      .optionally()
      .reply(200, aJob);
    const r = await run(['jobs', 'wait', aJob.id, '--timeout', '0.4']);
    expect(r.code).toBe(ExitCode.SERVER);
    expect(r.out).toBe('');
    expectOneErrorLine(
      r.err,
      new RegExp(
        `^hpcgate: timed out after 0.4 s: job ${aJob.id} is still RUNNING \\(Slurm job 42\\)$`,
        'm',
      ),
    );
  });
});
