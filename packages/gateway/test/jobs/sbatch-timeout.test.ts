import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { SchedulerCommandError, SchedulerTimeoutError } from '../../src/scheduler/errors.js';
import { sbatchCommand } from '../../src/scheduler/slurm/commands.js';
import { SlurmScheduler } from '../../src/scheduler/slurm/slurm-scheduler.js';
import type { ExecOptions, ExecResult } from '../../src/scheduler/slurm/ssh-connection.js';
import { sampleSpec } from '../helpers/sample-spec.js';

// sbatch runs under the system's `timeout`, which ends it (KILL included) before the gateway
// stops waiting: no sbatch outlives the wait, so none queues the job after the gateway gave up.
const spec = sampleSpec({ gatewayJobId: '0b5c3f7e-1d2a-4c8e-9f10-2a3b4c5d6e7f' });

/** TERM after, KILL after, in ms, read back from the command line. */
function remoteBound(line: string): { term: number; kill: number } {
  const m = /^'timeout' '--signal=TERM' '--kill-after=([\d.]+)s' '([\d.]+)s' 'sbatch' /.exec(line);
  expect(m, line).not.toBeNull();
  return { term: Number(m![2]) * 1000, kill: Number(m![1]) * 1000 };
}

/** The sbatch line itself (the lines before it make the job directory). */
const sbatchLine = (commandTimeoutMs: number) =>
  sbatchCommand(spec, "'/jobs/x'", commandTimeoutMs).split('\n').at(-1) as string;

describe('sbatchCommand under a remote timeout', () => {
  it.each([20_000, 30_000, 5_000, 1_000, 100])(
    'with commandTimeoutMs %i the remote sbatch is killed before the gateway stops waiting',
    (commandTimeoutMs) => {
      const { term, kill } = remoteBound(sbatchLine(commandTimeoutMs));
      expect(term).toBeGreaterThan(0);
      expect(term + kill).toBeLessThan(commandTimeoutMs);
    },
  );

  it('the default timeout: TERM after 17 s, KILL 2 s later', () => {
    expect(sbatchLine(20_000)).toMatch(
      /^'timeout' '--signal=TERM' '--kill-after=2s' '17s' 'sbatch' '--parsable' /,
    );
  });
});

describe('SlurmScheduler.submit', () => {
  const config = parseConfig({
    auth: { issuer: 'https://issuer.test', audience: 'hpcgate', jwksFile: '/unused' },
    systems: [
      {
        id: 'c',
        host: 'c.invalid',
        hostKey: 'insecure-accept-any',
        user: 'svc',
        privateKeyPath: '/unused',
        userKeysDir: '/unused',
        commandTimeoutMs: 30_000,
      },
    ],
  }).systems[0]!;

  /** A scheduler whose SSH pool answers `result` and records the command. */
  function answering(result: ExecResult) {
    const scheduler = new SlurmScheduler(config);
    const sent: string[] = [];
    (scheduler as unknown as { pool: unknown }).pool = {
      exec: async (_login: unknown, command: string, _options?: ExecOptions) => {
        sent.push(command);
        return result;
      },
      close: () => {},
    };
    return { scheduler, sent };
  }

  it("sends the bounded sbatch, within the system's commandTimeoutMs", async () => {
    const { scheduler, sent } = answering({ code: 0, stdout: '42\n', stderr: '' });
    await expect(scheduler.submit(spec, 'alice')).resolves.toBe('42');
    const { term, kill } = remoteBound(sent[0]!.split('\n').at(-1)!);
    expect(term + kill).toBeLessThan(30_000);
    scheduler.close();
  });

  it.each([124, 137])('exit %i (stopped by timeout) is an unanswered run', async (code) => {
    const { scheduler } = answering({
      code,
      stdout: '',
      stderr: 'sbatch: error: Slurm temporarily unable to accept job, sleeping and retrying',
    });
    const err = await scheduler.submit(spec, 'alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchedulerTimeoutError);
    expect((err as Error).message).toMatch(/did not answer within 30 s on c and was stopped there/);
    scheduler.close();
  });

  it('an id printed counts even if the timeout struck right after', async () => {
    const { scheduler } = answering({ code: 124, stdout: '43\n', stderr: '' });
    await expect(scheduler.submit(spec, 'alice')).resolves.toBe('43');
    scheduler.close();
  });

  it('a refusal keeps its exit code and words', async () => {
    const stderr = 'sbatch: error: Batch job submission failed: Invalid partition name specified';
    const { scheduler } = answering({ code: 1, stdout: '', stderr });
    const err = await scheduler.submit(spec, 'alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SchedulerCommandError);
    expect(err).toMatchObject({ exitCode: 1 });
    expect((err as SchedulerCommandError).stderr).toMatch(/Invalid partition/);
    scheduler.close();
  });
});
