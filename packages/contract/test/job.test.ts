import { describe, expect, it } from 'vitest';
import {
  cancelJobRequestSchema,
  isTerminal,
  listJobsQuerySchema,
  submitJobRequestSchema,
} from '../src/index.js';

describe('submitJobRequestSchema', () => {
  const base = { name: 'sweep-1', execSystemId: 'cluster', command: 'echo hi' };

  it('fills defaults', () => {
    expect(submitJobRequestSchema.parse(base)).toEqual({ ...base, args: [], env: {}, tags: [] });
  });

  it.each([
    ['a shell metacharacter in the name', { ...base, name: 'a;b' }, 'name'],
    ['a newline in the name', { ...base, name: 'a\nb' }, 'name'],
    ['a name starting with a dot', { ...base, name: '../x' }, 'name'],
    ['script and command together', { ...base, script: '#!/bin/sh\n' }, 'script'],
    ['neither script nor command', { name: 'n', execSystemId: 'c' }, 'script'],
    ['an unknown field', { ...base, extra: 1 }, ''],
    [
      'a control character in the working directory',
      { ...base, workingDir: '/a\tb' },
      'workingDir',
    ],
    ['a bad env name', { ...base, env: { '1X': 'v' } }, 'env'],
  ])('refuses %s', (_what, input, path) => {
    const r = submitJobRequestSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join('.')).toMatch(new RegExp(`^${path}`));
  });
});

describe('listJobsQuerySchema', () => {
  it('accepts several statuses, comma-separated or repeated', () => {
    expect(listJobsQuerySchema.parse({ status: 'PENDING,RUNNING' }).status).toEqual([
      'PENDING',
      'RUNNING',
    ]);
    expect(listJobsQuerySchema.parse({ status: ['FAILED', 'CANCELLED'] }).status).toEqual([
      'FAILED',
      'CANCELLED',
    ]);
  });

  it('refuses an unknown status and coerces the limit', () => {
    expect(listJobsQuerySchema.safeParse({ status: 'DONE' }).success).toBe(false);
    expect(listJobsQuerySchema.parse({ limit: '5' }).limit).toBe(5);
    expect(listJobsQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
  });
});

describe('cancel requests and states', () => {
  it('defaults the mode to cancel and bounds the wait', () => {
    expect(cancelJobRequestSchema.parse({})).toEqual({ mode: 'cancel' });
    expect(cancelJobRequestSchema.safeParse({ wait: 301 }).success).toBe(false);
  });

  it('knows which states are terminal', () => {
    expect(['FINISHED', 'FAILED', 'CANCELLED'].every((s) => isTerminal(s as never))).toBe(true);
    expect(['PROCESSING_INPUTS', 'PENDING', 'RUNNING'].some((s) => isTerminal(s as never))).toBe(
      false,
    );
  });
});

describe('environment names the wrapper and Slurm rely on', () => {
  it.each(['SLURM_JOB_ID', 'SBATCH_PARTITION', 'BASH_ENV', 'IFS', 'hpcgate_child'])(
    '%s is reserved',
    (name) => {
      const r = submitJobRequestSchema.safeParse({
        name: 'n',
        execSystemId: 'c',
        command: 'true',
        env: { [name]: 'x' },
      });
      expect(r.success).toBe(false);
    },
  );
});
