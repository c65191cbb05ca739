import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { submitFailure } from '../../src/jobs/submitter.js';
import {
  SchedulerCommandError,
  SchedulerTimeoutError,
  SchedulerUnavailableError,
} from '../../src/scheduler/errors.js';
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

/** A system on a host never reached (the tests replace its SSH pool). */
function systemConfig(over: { maxChannels?: number } = {}) {
  return parseConfig({
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
        ...over,
      },
    ],
  }).systems[0]!;
}

describe('SlurmScheduler.submit', () => {
  const config = systemConfig();

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

describe('SlurmScheduler.submit, several at once', () => {
  // One batch at a time (maxChannels 2): the first submit goes alone, the next ones wait for it
  // and go together in one command, whose answer the fake pool writes as the cluster would.
  const config = systemConfig({ maxChannels: 2 });
  const ids = [1, 2, 3, 4, 5].map((i) => `0b5c3f7e-1d2a-4c8e-9f10-2a3b4c5d6e7${i}`);

  /** Answers the first (single) command with an id, the batch with `batch(nonce)`. */
  function batching(batch: (nonce: string) => ExecResult) {
    const scheduler = new SlurmScheduler(config);
    const sent: { command: string; stdin: string }[] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => {
      release = r;
    });
    (scheduler as unknown as { pool: unknown }).pool = {
      exec: async (_login: unknown, command: string, options?: ExecOptions) => {
        sent.push({ command, stdin: options?.stdin ?? '' });
        if (sent.length === 1) {
          await first;
          return { code: 0, stdout: '100\n', stderr: '' };
        }
        const nonce = /hpcgate-batch-[0-9a-f]{32}/.exec(options?.stdin ?? '')![0];
        return batch(nonce);
      },
      close: () => {},
    };
    const outcomes = ids.map((id) =>
      scheduler.submit(sampleSpec({ gatewayJobId: id }), 'alice').catch((e: unknown) => e),
    );
    setImmediate(release);
    return { scheduler, sent, outcomes };
  }

  it('one command for the waiting ones; each job its own outcome, none failing the others', async () => {
    const { scheduler, sent, outcomes } = batching((n) => ({
      // Killed by the remote timeout while the third job's sbatch ran.
      code: 124,
      stdout: `\n${n} 0 start\n101\n\n${n} 0 exit 0\n\n${n} 1 start\nsbatch: error: Batch job submission failed: Invalid partition name specified\n\n${n} 1 exit 1\n\n${n} 2 start\n`,
      stderr: '',
    }));
    const [alone, ok, refused, cut, notRun] = await Promise.all(outcomes);
    expect(alone).toBe('100');
    expect(ok).toBe('101');
    expect(refused).toBeInstanceOf(SchedulerCommandError);
    expect(submitFailure(refused)).toBe('refused');
    expect((refused as SchedulerCommandError).stderr).toMatch(/Invalid partition/);
    // Cut under way: it may be queued (looked for by its tag before any other run).
    expect(cut).toBeInstanceOf(SchedulerTimeoutError);
    expect(submitFailure(cut)).toBe('unanswered');
    // Never started: nothing sent, tried again after a pause.
    expect(submitFailure(notRun)).toBe('passing');
    expect((notRun as Error).message).toMatch(/^not sent: /);
    // The batch: under the remote timeout, each job's tag in its own sbatch line, in order.
    expect(sent).toHaveLength(2);
    expect(sent[1]!.command).toMatch(
      /^'timeout' '--signal=TERM' '--kill-after=2s' '27s' 'sh' '-s'$/,
    );
    const tags = [...sent[1]!.stdin.matchAll(/'--comment=hpcgate:([^']+)'/g)].map((m) => m[1]);
    expect(tags).toEqual(ids.slice(1));
    scheduler.close();
  });

  it('a shell that failed before any job: each job fails with its words, as alone', async () => {
    const stderr = 'sh: 1: HPCGATE_ROOT: is not set on the cluster';
    const { scheduler, outcomes } = batching(() => ({ code: 2, stdout: '', stderr }));
    const [, ...rest] = await Promise.all(outcomes);
    for (const err of rest) {
      expect(err).toBeInstanceOf(SchedulerCommandError);
      expect((err as SchedulerCommandError).stderr).toBe(stderr);
    }
    scheduler.close();
  });

  it('a lost connection under the batch: every job in it unanswered', async () => {
    const scheduler = new SlurmScheduler(config);
    let calls = 0;
    (scheduler as unknown as { pool: unknown }).pool = {
      exec: async () => {
        if (++calls === 1) return { code: 0, stdout: '100\n', stderr: '' };
        throw new SchedulerUnavailableError(
          'c',
          'the connection dropped before the command finished',
        );
      },
      close: () => {},
    };
    const outcomes = await Promise.all(
      ids.map((id) => scheduler.submit(sampleSpec({ gatewayJobId: id }), 'alice').catch((e) => e)),
    );
    expect(outcomes[0]).toBe('100');
    for (const err of outcomes.slice(1)) expect(submitFailure(err)).toBe('unanswered');
    scheduler.close();
  });
});
