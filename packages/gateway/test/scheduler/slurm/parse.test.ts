import { describe, expect, it } from 'vitest';
import {
  classifyState,
  parseSacct,
  parseSbatch,
  parseSqueue,
  parseWaitStatus,
} from '../../../src/scheduler/slurm/parse.js';

// Captured from the sandbox (Slurm 22.05.8) with SLURM_TIME_FORMAT=%s, by the service account
// (every user's jobs; a deleted user's show as "nobody"); the submit time before the account.
const SQUEUE = [
  '53|COMPLETED|None|0|1795455611|1795455612|1795455611|alice|(null)|',
  '54|FAILED|NonZeroExitCode|1792|1795455613|1795455613|1795455613|alice|(null)|',
  '57|FAILED|NonZeroExitCode|768|1795455647|1795455647|1795455647|bob|hpcgate:6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f|',
  '59|PENDING|JobHeldUser|0|N/A|N/A|1795455600|carol|(null)|',
  '58|RUNNING|None|0|1795455647|1795455947|1795455647|nobody|hpcgate:a|b|',
  '61|CANCELLED|None|15|1795455650|1795455651|1795455650|alice|(null)|',
  '',
].join('\n');

describe('parseSqueue', () => {
  const jobs = parseSqueue(SQUEUE);

  it('reads every job line', () => {
    expect(jobs.map((j) => j.remoteJobId)).toEqual(['53', '54', '57', '59', '58', '61']);
  });

  it('maps states to phases and outcomes, exit codes from the wait status', () => {
    expect(jobs[0]).toMatchObject({
      phase: 'ended',
      outcome: 'completed',
      exitCode: 0,
      exitSignal: 0,
    });
    expect(jobs[1]).toMatchObject({
      phase: 'ended',
      outcome: 'failed',
      exitCode: 7,
      reason: 'NonZeroExitCode',
    });
    expect(jobs[3]).toMatchObject({
      phase: 'queued',
      reason: 'JobHeldUser',
      started: null,
      ended: null,
    });
    expect(jobs[4]).toMatchObject({ phase: 'running', exitCode: null, ended: null });
    expect(jobs[5]).toMatchObject({
      phase: 'ended',
      outcome: 'cancelled',
      exitCode: 0,
      exitSignal: 15,
    });
  });

  it('reads the hpcgate tag from the comment, which may itself hold a "|"', () => {
    expect(jobs[2]!.gatewayJobId).toBe('6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f');
    expect(jobs[4]!.gatewayJobId).toBe('a|b');
    expect(jobs[0]!.gatewayJobId).toBeNull();
  });

  it('reads the Unix account each job runs as', () => {
    expect(jobs.map((j) => j.remoteUser)).toEqual([
      'alice',
      'alice',
      'bob',
      'carol',
      'nobody',
      'alice',
    ]);
  });

  it('turns epoch seconds into ISO times', () => {
    expect(jobs[0]!.started).toBe(new Date(1795455611 * 1000).toISOString());
  });

  it('ignores noise', () => {
    expect(parseSqueue('squeue: error: something\n\n')).toEqual([]);
  });
});

describe('parseSacct (completion records)', () => {
  it('reads whole-job lines, skips steps, keeps every record of an id with its account and submit time', () => {
    // As `sacct -c` printed them here after a controller crash: id 2977 named two jobs.
    const out = [
      '54|FAILED|7:0|1795455613|1795455613|carol(1005)|1795455612',
      '54.batch|FAILED|7:0|1795455613|1795455613|carol(1005)|1795455612',
      '2977|CANCELLED by 1005|0:15|1796118877|1796118880|carol(1005)|1796118876',
      '2977|COMPLETED|0:0|1796118877|1796118877|alice(1003)|1796118877',
      '',
    ].join('\n');
    const jobs = parseSacct(out);
    expect(jobs).toHaveLength(3);
    expect(jobs[0]).toMatchObject({
      remoteJobId: '54',
      outcome: 'failed',
      exitCode: 7,
      exitSignal: 0,
      remoteUser: 'carol',
      submitted: new Date(1795455612 * 1000).toISOString(),
    });
    expect(jobs.slice(1).map((j) => [j.remoteJobId, j.state, j.remoteUser])).toEqual([
      ['2977', 'CANCELLED', 'carol'],
      ['2977', 'COMPLETED', 'alice'],
    ]);
  });
});

describe('job array tasks', () => {
  it('squeue --array (JobArrayID): each task under the array id with its index; the rest as the job', () => {
    // As squeue printed them here for array 20881 (1-8%2) after `scancel --state=PENDING`.
    const out = [
      '20881|CANCELLED|JobArrayTaskLimit|0|1796128486|1796128486|1796128485|alice|hpcgate:g-1|',
      '20881_2|RUNNING|None|0|1796128486|1796128546|1796128485|alice|hpcgate:g-1|',
      '20881_1|COMPLETED|None|0|1796128486|1796128488|1796128485|alice|hpcgate:g-1|',
      '20790|RUNNING|None|0|1796128486|1796128546|1796128485|alice|hpcgate:g-2|',
      '',
    ].join('\n');
    const jobs = parseSqueue(out);
    expect(jobs.map((j) => [j.remoteJobId, j.arrayTaskId, j.phase])).toEqual([
      ['20881', null, 'ended'],
      ['20881', 2, 'running'],
      ['20881', 1, 'ended'],
      ['20790', null, 'running'],
    ]);
  });

  it('sacct: task records under the array id; grouped pending ones and steps skipped', () => {
    const out = [
      '20881_1|COMPLETED|0:0|1796128486|1796128488|alice|1796128485',
      '20881_1.batch|COMPLETED|0:0|1796128486|1796128488|alice|1796128485',
      '20881_[3-8%2]|CANCELLED by 1003|0:0|None|1796128486|alice|1796128485',
      '',
    ].join('\n');
    expect(parseSacct(out).map((r) => [r.remoteJobId, r.arrayTaskId, r.state])).toEqual([
      ['20881', 1, 'COMPLETED'],
    ]);
  });
});

describe('small parsers', () => {
  it('sbatch --parsable, with or without a cluster', () => {
    expect(parseSbatch('123\n')).toBe('123');
    expect(parseSbatch('123;cluster-a\n')).toBe('123');
    expect(parseSbatch('sbatch: error: Batch job submission failed')).toBeNull();
  });

  it('wait statuses', () => {
    expect(parseWaitStatus('33280')).toEqual({ exitCode: 130, exitSignal: 0 });
    expect(parseWaitStatus('9')).toEqual({ exitCode: 0, exitSignal: 9 });
    expect(parseWaitStatus('')).toEqual({ exitCode: null, exitSignal: null });
  });

  it('an unknown state word never counts as ended', () => {
    expect(classifyState('SOMETHING_NEW').phase).toBe('queued');
    expect(classifyState('COMPLETING').phase).toBe('running');
    expect(classifyState('CANCELLED by 0').outcome).toBe('cancelled');
  });

  it('SPECIAL_EXIT is not an end: Slurm requeued the job held, it stays watched', () => {
    expect(classifyState('SPECIAL_EXIT')).toEqual({ phase: 'queued', outcome: null });
    const [job] = parseSqueue(
      '77|SPECIAL_EXIT|JobHeldUser|768|1700000000|1700000100|1699999990|carol|hpcgate:j-7|\n',
    );
    expect(job).toMatchObject({ phase: 'queued', outcome: null, ended: null, exitCode: null });
    const [record] = parseSacct('77|SPECIAL_EXIT|3:0|1700000000|1700000100|alice|1700000000\n');
    expect(record).toMatchObject({ phase: 'queued', outcome: null });
  });
});
