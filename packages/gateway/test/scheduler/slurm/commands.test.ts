import { describe, expect, it } from 'vitest';
import type { BatchJobSpec } from '../../../src/scheduler/scheduler.js';
import { checkDirectives, sbatchDirectives } from '../../../src/scheduler/slurm/batch-script.js';
import { sbatchCommand, stopCommand } from '../../../src/scheduler/slurm/commands.js';
import { commandLine, shellQuote } from '../../../src/scheduler/slurm/quote.js';

const spec: BatchJobSpec = {
  gatewayJobId: 'id-1',
  name: 'x',
  script: null,
  command: 'true',
  args: [],
  env: {},
  workingDir: null,
  partition: null,
  nodes: null,
  cpusPerTask: null,
  memoryMB: null,
  maxMinutes: null,
};

describe('shellQuote', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", `'it'\\''s'`],
    ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['a\nb', "'a\nb'"],
    ['', "''"],
  ])('%j → %s', (input, quoted) => {
    expect(shellQuote(input)).toBe(quoted);
  });

  it('refuses NUL', () => {
    expect(() => shellQuote('a\u0000b')).toThrow(/NUL/);
  });
});

describe('Slurm command lines', () => {
  it('sbatch: every option one quoted word, the tag in --comment', () => {
    const line = sbatchCommand({
      ...spec,
      workingDir: "/tmp/a b'; touch x",
      partition: 'debug',
      maxMinutes: 5,
    });
    expect(line).toBe(
      commandLine([
        'sbatch',
        '--parsable',
        '--job-name=x',
        '--comment=hpcgate:id-1',
        '--partition=debug',
        '--time=5',
        "--chdir=/tmp/a b'; touch x",
      ]),
    );
  });

  it('stop commands read the cluster clock first and take only numeric ids', () => {
    expect(stopCommand(['12', '13'], 'cancel')).toBe("date +%s; 'scancel' '12' '13'");
    expect(stopCommand(['12'], 'interrupt')).toBe(
      "date +%s; 'scancel' '--full' '--signal=INT' '12'",
    );
    expect(stopCommand(['12'], 'force-stop')).toContain("'scancel' '--batch' '--signal=USR2' '12'");
    expect(() => stopCommand(['12; rm -rf ~'], 'cancel')).toThrow(/not a Slurm job id/);
  });
});

describe('#SBATCH lines of a user script', () => {
  it('are read up to the first command', () => {
    expect(
      sbatchDirectives('#!/bin/bash\n#SBATCH --hold\n# note\n#SBATCH -t 5\necho\n#SBATCH --late\n'),
    ).toEqual(['#SBATCH --hold', '#SBATCH -t 5']);
  });

  it('may not turn the job into an array, move it to another cluster or retag it', () => {
    expect(checkDirectives(['#SBATCH --array=1-10'], [])).toMatch(/array/);
    expect(checkDirectives(['#SBATCH -a 1-10'], [])).toMatch(/array/);
    expect(checkDirectives(['#SBATCH -M other'], [])).toMatch(/clusters/);
    expect(checkDirectives(['#SBATCH --comment=hpcgate:x'], [])).toMatch(/comment/);
    expect(checkDirectives(['#SBATCH --hold', '#SBATCH -t 5'], [])).toBeNull();
  });

  it('may only name partitions the system offers', () => {
    expect(checkDirectives(['#SBATCH -p gpu'], ['debug'])).toMatch(/not offered/);
    expect(checkDirectives(['#SBATCH --partition=debug'], ['debug'])).toBeNull();
    expect(checkDirectives(['#SBATCH -pgpu'], ['debug'])).toMatch(/not offered/);
  });
});
