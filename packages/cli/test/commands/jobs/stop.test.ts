import type { Job } from '@hpcgate/sdk';
import type nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import {
  aJob,
  cancelled,
  expectOneErrorLine,
  gateway,
  otherJob,
  run,
  useNock,
} from '../../fixtures.js';

useNock();

interface StopBody {
  selector: Record<string, unknown>;
  mode?: string;
  whatIf?: boolean;
}

const wouldStop = (job: Job) => ({
  jobId: job.id,
  name: job.name,
  outcome: 'would_stop',
  status: job.status,
  message: null,
  job,
});
const stopped = (job: Job) => ({ ...wouldStop(job), outcome: 'stopped' });

type StopResultLike = { outcome: string } & Record<string, unknown>;

/** A bulk stop's answer, with `status` as the gateway derives it from the results. */
function answer(mode: string, whatIf: boolean, results: StopResultLike[], message = 'said') {
  const running = results.some((r) => r.outcome !== 'not_cancellable');
  const status = !running ? 'NO_JOBS_RUNNING' : whatIf ? 'WOULD_STOP' : 'STOPPED';
  return { mode, whatIf, status, message, results };
}

/** The what-if call; records its body. */
function preview(results: StopResultLike[], seen: StopBody[] = [], message = 'said'): nock.Scope {
  return gateway()
    .post('/v3/jobs/stop', (b: StopBody) => b.whatIf === true && Boolean(seen.push(b)))
    .reply(200, answer('cancel', true, results, message));
}

/** The real stop call (whatIf absent); records its body. */
function realStop(seen: StopBody[] = []): nock.Interceptor {
  return gateway().post('/v3/jobs/stop', (b: StopBody) => !b.whatIf && Boolean(seen.push(b)));
}

describe('jobs stop', () => {
  it('--owner scopes the selector to another user (the gateway lets only admins)', async () => {
    const seen: StopBody[] = [];
    preview([wouldStop(aJob)], seen);
    const r = await run(['jobs', 'stop', '--name', 'exp-*', '--owner', 'bob', '--what-if']);
    expect(r.code).toBe(ExitCode.OK);
    expect(seen[0]!.selector).toEqual({ names: ['exp-*'], owner: 'bob' });
  });

  it('--owner alone names no jobs: refused before any request', async () => {
    const r = await run(['jobs', 'stop', '--owner', 'bob', '--yes']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /name the jobs to stop/);
  });

  it('an empty selector is refused before any request', async () => {
    const r = await run(['jobs', 'stop', '--yes']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /name the jobs to stop/);
  });

  it('a bad option stops everything before the handler: nothing is sent', async () => {
    const r = await run(['jobs', 'stop', '--name', 'exp-*', '--yes', '--bogus']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /Unknown argument: bogus/);
  });

  it('--passthru and --json together are a usage error', async () => {
    const r = await run(['jobs', 'stop', '--id', aJob.id, '--passthru', '--json']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /pick one/);
  });

  it('nothing runs: the gateway’s NO_JOBS_RUNNING message, exit 0, no stop', async () => {
    const message = 'no job executions are currently running that match names=[exp-*]';
    preview([], [], message);
    const r = await run(['jobs', 'stop', '--name', 'exp-*', '--yes']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`${message}\n`);
    expect(r.err).toBe('');
  });

  it('every match had ended: the message says so, exit 0, no stop', async () => {
    const message =
      'no job executions are currently running that match names=[exp-*] (1 matching job has already ended)';
    preview([{ ...wouldStop(cancelled), outcome: 'not_cancellable' }], [], message);
    const r = await run(['jobs', 'stop', '--name', 'exp-*', '--yes']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`${message}\n`);
  });

  it('the jobs ended between the look and the stop: NO_JOBS_RUNNING, exit 0', async () => {
    preview([wouldStop(aJob)]);
    const message = `no job executions are currently running that match ids=[${aJob.id}] (1 matching job has already ended)`;
    realStop().reply(
      200,
      answer('cancel', false, [{ ...wouldStop(cancelled), outcome: 'not_cancellable' }], message),
    );
    const r = await run(['jobs', 'stop', aJob.id, '--yes']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`${message}\n`);
  });

  it('--what-if lists what would be stopped, and stops nothing', async () => {
    const seen: StopBody[] = [];
    preview([wouldStop(aJob), wouldStop(otherJob)], seen);
    const r = await run(['jobs', 'stop', '--name', 'sweep-*', '--status', 'RUNNING', '--what-if']);
    expect(r.code).toBe(ExitCode.OK);
    expect(seen[0]).toEqual({
      selector: { names: ['sweep-*'], status: ['RUNNING'] },
      mode: 'cancel',
      whatIf: true,
    });
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +STATUS +CONDITION +REMOTE_ID +CREATED$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual([aJob.id, otherJob.id]);
    // No interceptor for a real stop: sending one would fail this test (see useNock).
  });

  it('--what-if --json prints the gateway answer only', async () => {
    preview([wouldStop(aJob)]);
    const r = await run(['jobs', 'stop', '--id', aJob.id, '--what-if', '--json']);
    expect(r.json()).toMatchObject({ whatIf: true, results: [{ jobId: aJob.id }] });
  });

  it('no terminal and no --yes: refuses (exit 1, says --yes), stops nothing', async () => {
    preview([wouldStop(aJob)]);
    const r = await run(['jobs', 'stop', '--name', 'sweep-*'], { tty: false });
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /refusing to cancel 1 job without confirmation: pass --yes/);
    expect(r.prompts).toEqual([]);
  });

  it('on a terminal, a wrong word aborts and stops nothing', async () => {
    preview([wouldStop(aJob), wouldStop(otherJob)]);
    const r = await run(['jobs', 'stop', '--name', 'sweep-*', '--mode', 'terminate'], {
      tty: true,
      answer: 'yes',
    });
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.prompts).toEqual(['Type "terminate" to terminate these 2 jobs: ']);
    // The person saw which jobs, before the question.
    expect(r.err).toContain(aJob.id);
    expect(r.err.trimEnd().split('\n').at(-1)).toBe(
      'hpcgate: aborted: you did not type "terminate"; nothing was stopped',
    );
  });

  it('on a terminal, typing the mode name stops exactly the jobs shown', async () => {
    const seen: StopBody[] = [];
    preview([
      wouldStop(aJob),
      { ...wouldStop(otherJob), outcome: 'not_cancellable', status: 'FINISHED' },
    ]);
    realStop(seen).reply(200, answer('cancel', false, [stopped(aJob)]));
    const r = await run(
      ['jobs', 'stop', '--name', 'sweep-*', '--tag', 'exp', '--system', 'cluster'],
      {
        tty: true,
        answer: ' cancel\n',
      },
    );
    expect(r.code).toBe(ExitCode.OK);
    expect(r.prompts).toEqual(['Type "cancel" to cancel this job: ']);
    expect(seen[0]).toEqual({
      selector: { names: ['sweep-*'], tags: ['exp'], execSystemId: 'cluster', ids: [aJob.id] },
      mode: 'cancel',
    });
    expect(r.out).toMatch(/^ID +NAME +RESULT$/m);
    expect(r.out).toMatch(
      new RegExp(`^${aJob.id} +sweep-1 +cancel requested: job is RUNNING \\(Slurm job 42\\)$`, 'm'),
    );
    expect(r.out).not.toMatch(/cancelled/);
  });

  it('--yes without a terminal proceeds; a job already CANCELLED says so', async () => {
    preview([wouldStop(aJob)]);
    realStop().reply(
      200,
      answer('force-stop', false, [{ ...stopped(cancelled), status: 'CANCELLED' }]),
    );
    const r = await run(['jobs', 'stop', aJob.id, '--mode', 'force-stop', '--yes']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/cancelled: job is CANCELLED \(CANCELLED_BY_USER, Slurm job 42\)$/m);
  });

  it('a job that could not be stopped → exit 3, with a one-line summary', async () => {
    preview([wouldStop(aJob), wouldStop(otherJob)]);
    realStop().reply(
      200,
      answer('cancel', false, [
        stopped(aJob),
        {
          ...wouldStop(otherJob),
          outcome: 'not_cancellable',
          status: 'FINISHED',
          job: null,
          message: 'x',
        },
      ]),
    );
    const r = await run(['jobs', 'stop', '--name', 'sweep-*', '--yes']);
    expect(r.code).toBe(ExitCode.CONFLICT);
    expect(r.out).toMatch(/sweep-2 +not cancellable: job is FINISHED$/m);
    expectOneErrorLine(r.err, /^hpcgate: 1 of 2 jobs were not stopped$/m);
  });

  describe('ids from stdin (-)', () => {
    it('whitespace-separated ids, with --yes', async () => {
      const seen: StopBody[] = [];
      preview([wouldStop(aJob), wouldStop(otherJob)], seen);
      realStop(seen).reply(200, answer('cancel', false, [stopped(aJob), stopped(otherJob)]));
      const r = await run(['jobs', 'stop', '-', '--yes'], {
        stdin: `${aJob.id}\n ${otherJob.id}\n`,
      });
      expect(r.code).toBe(ExitCode.OK);
      expect(seen.map((b) => b.selector)).toEqual([
        { ids: [aJob.id, otherJob.id] },
        { ids: [aJob.id, otherJob.id] },
      ]);
    });

    it('the JSON `jobs list --json` prints, or a JSON array; never prompts, even on a terminal', async () => {
      const seen: StopBody[] = [];
      preview([wouldStop(aJob)], seen);
      const list = JSON.stringify({ jobs: [aJob, otherJob], nextCursor: null });
      // Even were stdin a terminal too: ids from stdin always need --yes.
      const r = await run(['jobs', 'stop', '-'], { stdin: list, tty: true });
      expect(r.code).toBe(ExitCode.USAGE);
      expect(r.err).toBe(
        'reading job ids from the terminal; end it with Ctrl-D\n' +
          'hpcgate: refusing to cancel 1 job without confirmation: pass --yes (or --what-if)\n',
      );
      expect(r.prompts).toEqual([]);
      expect(seen[0]?.selector).toEqual({ ids: [aJob.id, otherJob.id] });

      const again: StopBody[] = [];
      preview([wouldStop(aJob)], again);
      await run(['jobs', 'stop', '-', '--what-if'], { stdin: JSON.stringify([aJob]) });
      expect(again[0]?.selector).toEqual({ ids: [aJob.id] });
    });

    it('empty stdin: nothing to stop, and no request (an empty list must not widen the selection)', async () => {
      const r = await run(['jobs', 'stop', '-', '--status', 'RUNNING', '--yes'], { stdin: '\n' });
      expect(r.code).toBe(ExitCode.OK);
      expect(r.out).toBe('no job ids on stdin: nothing to stop\n');
    });

    it('something that is not an id is a usage error', async () => {
      const r = await run(['jobs', 'stop', '-', '--yes'], { stdin: 'sweep-1\n' });
      expect(r.code).toBe(ExitCode.USAGE);
      expectOneErrorLine(r.err, /not a job id on stdin: "sweep-1"/);
    });
  });

  it('--passthru prints the resulting jobs as JSON on stdout; the table goes to stderr', async () => {
    preview([wouldStop(aJob)]);
    realStop().reply(200, answer('cancel', false, [stopped(aJob)]));
    const r = await run(['jobs', 'stop', '--id', aJob.id, '--yes', '--passthru']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.json()).toEqual({ jobs: [aJob] });
    expect(r.err).toMatch(/cancel requested/);
  });

  it('--json prints the gateway answer of the real stop, and nothing else', async () => {
    preview([wouldStop(aJob)]);
    realStop().reply(200, answer('cancel', false, [stopped(aJob)]));
    const r = await run(['jobs', 'stop', '--id', aJob.id, '--yes', '--json']);
    expect(r.json()).toMatchObject({ whatIf: false, results: [{ outcome: 'stopped' }] });
    expect(r.err).toBe('');
  });
});
