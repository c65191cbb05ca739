import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';
import { summary } from './array-fixtures.js';
import { unmatchedRequests } from './streams.js';

useNock();
const unmatched = unmatchedRequests();

const submitted = (array: { indices: string; maxParallel?: number }, total: number) => ({
  ...aJob,
  status: 'PROCESSING_INPUTS',
  remoteJobId: null,
  array,
  tasks: summary({ PENDING: total }),
});

/** Runs `jobs submit --command echo …flags` and returns what was sent as `array`. */
async function submitWith(flags: string[], reply = submitted({ indices: '1-20' }, 20)) {
  const bodies: { array?: unknown }[] = [];
  gateway()
    .post('/v3/jobs/submit', (b) => bodies.push(b) > 0)
    .reply(201, reply);
  const r = await run(['jobs', 'submit', '--command', 'echo $SLURM_ARRAY_TASK_ID', ...flags]);
  return { r, sent: bodies.map((b) => b.array) };
}

describe('jobs submit --array', () => {
  it('--array with --max-parallel: the array is sent, and the job shows it with its counts', async () => {
    const { r, sent } = await submitWith(
      ['--array', '1-20', '--max-parallel', '4'],
      submitted({ indices: '1-20', maxParallel: 4 }, 20),
    );
    expect(r.code).toBe(ExitCode.OK);
    expect(sent).toEqual([{ indices: '1-20', maxParallel: 4 }]);
    expect(r.out).toMatch(/^array: +1-20, at most 4 at once$/m);
    expect(r.out).toMatch(/^tasks: +Pending 20$/m);
  });

  it("Slurm's own 1-20%4 is the same request", async () => {
    const { sent } = await submitWith(['--array', '1-20%4']);
    expect(sent).toEqual([{ indices: '1-20', maxParallel: 4 }]);
  });

  it('a list of indices, no limit: no maxParallel is sent', async () => {
    const { sent } = await submitWith(['--array', '1,3,7-9']);
    expect(sent).toEqual([{ indices: '1,3,7-9' }]);
  });

  it('without --array no array is sent', async () => {
    const { sent } = await submitWith([]);
    expect(sent).toEqual([undefined]);
  });

  it("indices the gateway refuses: exit 1 with the gateway's reason", async () => {
    gateway()
      .post('/v3/jobs/submit')
      .reply(
        400,
        apiError('VALIDATION_FAILED', 'body.array.indices: indices like "1-100" or "1,3,7-9"', {
          field: 'body.array.indices',
        }),
      );
    const r = await run(['jobs', 'submit', '--command', 'true', '--array', '9-1']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /invalid request: body\.array\.indices/);
  });

  it.each([
    [['--max-parallel', '4'], /--max-parallel needs --array/],
    [['--array', '1-20%4', '--max-parallel', '2'], /give the limit once/],
    [['--array', '1-20%0'], /the number after % must be a whole number ≥ 1/],
    [['--array', '1-20%x'], /the number after % must be a whole number ≥ 1/],
    [['--array', '1-20%'], /--array takes indices such as 1-100, optionally %N/],
    [['--array', '%4'], /--array takes indices such as 1-100, optionally %N/],
    [['--array', '1-20', '--max-parallel', '1.5'], /--max-parallel must be a whole number/],
  ])('%j is a usage error, and nothing is sent', async (flags, message) => {
    const r = await run(['jobs', 'submit', '--command', 'true', ...flags]);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, message);
    expect(unmatched()).toEqual([]);
  });
});
