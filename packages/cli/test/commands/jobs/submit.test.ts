import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';

useNock();

const queued = { ...aJob, status: 'PROCESSING_INPUTS', remoteJobId: null, remoteState: null };

async function scriptFile(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'hpcgate-cli-')), name);
  await writeFile(path, text);
  return path;
}

describe('jobs submit', () => {
  it('sends the script and every option; names the job after the file', async () => {
    const path = await scriptFile('train.sh', '#!/bin/bash\necho "$@"\n');
    let body: unknown;
    gateway()
      .post('/v3/jobs/submit', (b) => {
        body = b;
        return true;
      })
      .reply(201, queued);
    const r = await run([
      'jobs',
      'submit',
      path,
      '--partition',
      'debug',
      '--time',
      '30',
      '--nodes',
      '2',
      '--cpus',
      '4',
      '--mem',
      '4G',
      '--workdir',
      '/scratch/alice',
      '--tag',
      'exp',
      '--tag',
      'a,b',
      // A value that starts with - needs the = form.
      '--arg=--lr=0.1',
      '--arg',
      '007',
      '--env',
      'A=1',
      '--env',
      'B=x=y',
      '--description',
      'a sweep',
      '--',
      '--epochs',
      '1e3',
      '0x10',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(body).toEqual({
      name: 'train.sh',
      execSystemId: 'cluster',
      script: '#!/bin/bash\necho "$@"\n',
      // As typed: yargs would otherwise turn 1e3 into 1000 and 0x10 into 16.
      args: ['--lr=0.1', '007', '--epochs', '1e3', '0x10'],
      env: { A: '1', B: 'x=y' },
      tags: ['exp', 'a', 'b'],
      partition: 'debug',
      workingDir: '/scratch/alice',
      description: 'a sweep',
      maxMinutes: 30,
      nodes: 2,
      cpusPerTask: 4,
      memoryMB: 4096,
    });
    expect(r.out).toMatch(new RegExp(`^id: +${aJob.id}$`, 'm'));
    expect(r.out).toMatch(/^status: +PROCESSING_INPUTS$/m);
  });

  it('- reads the script from stdin; the job is then called "job"; --json is the job only', async () => {
    gateway()
      .post('/v3/jobs/submit', {
        name: 'job',
        execSystemId: 'hpc2',
        script: 'echo hi\n',
        args: [],
        env: {},
        tags: [],
      })
      .reply(201, queued);
    const r = await run(['jobs', 'submit', '-', '--system', 'hpc2', '--json'], {
      stdin: 'echo hi\n',
    });
    expect(r.code).toBe(ExitCode.OK);
    expect(r.json()).toMatchObject({ id: aJob.id, status: 'PROCESSING_INPUTS' });
    expect(r.err).toBe('');
  });

  it('--command, with the system from $HPCGATE_SYSTEM', async () => {
    gateway()
      .post(
        '/v3/jobs/submit',
        (b) => b.command === 'hostname' && b.execSystemId === 'cluster' && b.name === 'job',
      )
      .reply(201, queued);
    const r = await run(['jobs', 'submit', '--command', 'hostname']);
    expect(r.code).toBe(ExitCode.OK);
  });

  it.each([
    [[], /give a script file/],
    [['x.sh', '--command', 'ls'], /not both/],
    [['--command', 'ls', '--nodes', '1.5'], /--nodes must be a whole number/],
    [['--command', 'ls', '--mem', 'lots'], /--mem takes megabytes/],
    [['--command', 'ls', '--env', 'NOEQUALS'], /--env takes NAME=VALUE/],
    [['/nonexistent/run.sh'], /cannot read \/nonexistent\/run.sh: ENOENT/],
  ])('usage error before any request: %j', async (argv, message) => {
    const r = await run(['jobs', 'submit', ...argv]);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, message);
  });

  it('no execution system anywhere → usage error that says how to give one', async () => {
    const r = await run(['jobs', 'submit', '--command', 'ls'], { env: { HPCGATE_SYSTEM: '' } });
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /no execution system: pass --system/);
  });

  it("the gateway's 400 names the field → exit 1", async () => {
    gateway()
      .post('/v3/jobs/submit')
      .reply(
        400,
        apiError('VALIDATION_FAILED', 'body.name: letters, digits…', { field: 'body.name' }),
      );
    const r = await run(['jobs', 'submit', '--command', 'ls', '--name', '!bad']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /^hpcgate: invalid request: body.name: /);
  });

  it('--exclusive sends exclusive; --exclusive-key sends the key alone (it implies exclusive)', async () => {
    const bodies: Record<string, unknown>[] = [];
    gateway()
      .post('/v3/jobs/submit', (b) => bodies.push(b) > 0)
      .times(2)
      .reply(201, queued);
    await run(['jobs', 'submit', '--command', 'sync.sh', '--name', 'nightly', '--exclusive']);
    await run(['jobs', 'submit', '--command', 'sync.sh', '--exclusive', '--exclusive-key', 'etl']);
    expect(bodies[0]).toMatchObject({ name: 'nightly', exclusive: true });
    expect(bodies[0]).not.toHaveProperty('exclusiveKey');
    expect(bodies[1]).toMatchObject({ exclusiveKey: 'etl' });
    expect(bodies[1]).not.toHaveProperty('exclusive');
  });

  it('a singleton already running → exit 3, one line naming the job and how to stop it', async () => {
    const since = '2026-11-23T10:00:01.000Z';
    gateway()
      .post('/v3/jobs/submit')
      .reply(
        409,
        apiError('JOB_ALREADY_RUNNING', `A job named nightly is already running: job ${aJob.id}`, {
          jobId: aJob.id,
          name: 'nightly',
          status: 'RUNNING',
          since,
          exclusiveKey: 'nightly',
        }),
      );
    const r = await run([
      'jobs',
      'submit',
      '--command',
      'sync.sh',
      '--name',
      'nightly',
      '--exclusive',
    ]);
    expect(r.code).toBe(ExitCode.CONFLICT);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `hpcgate: job ${aJob.id} (nightly) is already running: RUNNING since ${since}; stop it with: hpcgate jobs cancel ${aJob.id}\n`,
    );
  });

  it('--wait: waits for the end; FINISHED → exit 0 with the final job', async () => {
    gateway()
      .post('/v3/jobs/submit')
      .reply(201, queued)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, { ...aJob, status: 'FINISHED', condition: 'NORMAL_COMPLETION', exitCode: 0 });
    const r = await run(['jobs', 'submit', '--command', 'true', '--wait', '--json']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.json()).toMatchObject({ status: 'FINISHED' });
    expect(r.err).toBe(`submitted job ${aJob.id}; waiting for it to end\n`);
  });

  it('--wait: a job that ends FAILED → exit 6, one line that says how it ended', async () => {
    gateway()
      .post('/v3/jobs/submit')
      .reply(201, queued)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, { ...aJob, status: 'FAILED', condition: 'JOB_EXIT_NONZERO', exitCode: 3 });
    const r = await run(['jobs', 'submit', '--command', 'false', '--wait']);
    expect(r.code).toBe(ExitCode.JOB_UNSUCCESSFUL);
    expect(r.out).toMatch(/^status: +FAILED$/m);
    expect(r.err.split('\n')[1]).toBe(
      `hpcgate: job ${aJob.id} ended FAILED (JOB_EXIT_NONZERO, exit code 3, Slurm job 42)`,
    );
  });
});
