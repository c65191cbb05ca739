import { describe, expect, it } from 'vitest';
import {
  parseEnv,
  parseJobIds,
  parseMemory,
  parseStatuses,
} from '../../../src/commands/jobs/parse.js';
import { aJob, otherJob } from '../../fixtures.js';

describe('parsing options and stdin', () => {
  it('statuses: repeatable, comma lists, any case', () => {
    expect(parseStatuses(['pending,Running', 'FAILED'])).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(() => parseStatuses(['DONE'])).toThrow(/unknown status "DONE"/);
  });

  it('env: NAME=VALUE, the value may hold =', () => {
    expect(parseEnv(['A=1', 'B=x=y', 'C='])).toEqual({ A: '1', B: 'x=y', C: '' });
    expect(() => parseEnv(['=1'])).toThrow(/NAME=VALUE/);
  });

  it('memory: megabytes, or with K/M/G/T', () => {
    expect(parseMemory('512')).toBe(512);
    expect(parseMemory('512M')).toBe(512);
    expect(parseMemory('4G')).toBe(4096);
    expect(parseMemory('1.5g')).toBe(1536);
    expect(parseMemory(undefined)).toBeUndefined();
    expect(() => parseMemory('0')).toThrow(/--mem/);
    expect(() => parseMemory('4 apples')).toThrow(/--mem/);
  });

  it('job ids: whitespace, { jobs: [...] }, an array of jobs or of ids', () => {
    const both = [aJob.id, otherJob.id];
    expect(parseJobIds(`  ${aJob.id}\n\t${otherJob.id}\n`)).toEqual(both);
    expect(parseJobIds(JSON.stringify({ jobs: [aJob, otherJob], nextCursor: null }))).toEqual(both);
    expect(parseJobIds(JSON.stringify([aJob, otherJob]))).toEqual(both);
    expect(parseJobIds(JSON.stringify(both))).toEqual(both);
    expect(parseJobIds('\n')).toEqual([]);
    expect(() => parseJobIds('{ "jobs": ')).toThrow(/not valid JSON/);
    expect(() => parseJobIds('{ "results": [] }')).toThrow(/expected/);
    expect(() => parseJobIds('[{ "name": "x" }]')).toThrow(/not a job id/);
  });
});
