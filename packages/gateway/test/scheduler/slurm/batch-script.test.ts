import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batchScript } from '../../../src/scheduler/slurm/batch-script.js';
import { DirectivePolicyError } from '../../../src/scheduler/slurm/directives.js';
import { sampleSpec } from '../../helpers/sample-spec.js';

const spec = sampleSpec();

/** The lines sbatch reads as options from the wrapper: up to its first command. */
function header(wrapper: string): string[] {
  const lines = wrapper.split('\n');
  return lines
    .slice(
      0,
      lines.findIndex((l) => !l.startsWith('#')),
    )
    .filter((l) => l.startsWith('#S'));
}

const dir = mkdtempSync(join(tmpdir(), 'hpcgate-wrapper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the wrapper with bash here, as the batch host would (no Slurm needed for this). */
function run(wrapper: string): void {
  const file = join(dir, 'wrapper.sh');
  writeFileSync(file, wrapper);
  execFileSync('bash', [file], { env: { ...process.env, SLURM_JOB_ID: '0', TMPDIR: dir } });
}

describe('the wrapper header', () => {
  it('starts with --ignore-pbs, then the checked directives, re-written', () => {
    const wrapper = batchScript({
      ...spec,
      script: '#!/bin/bash\n#SBATCH\t--time=5\r\n#SBATCH --hold\necho\n#PBS -t 0-9\n',
      command: null,
    });
    expect(header(wrapper)).toEqual(['#SBATCH --ignore-pbs', '#SBATCH --time=5', '#SBATCH --hold']);
    // The user's #PBS line is still in the script itself (sbatch is told to ignore it).
    expect(wrapper).toContain('\n#PBS -t 0-9\n');
  });

  it("copies a command's directives too, after the same check", () => {
    expect(header(batchScript({ ...spec, command: '#SBATCH --hold\nsleep 1' }))).toEqual([
      '#SBATCH --ignore-pbs',
      '#SBATCH --hold',
    ]);
    expect(() => batchScript({ ...spec, command: '#SBATCH --array=0-3\nsleep 120' })).toThrow(
      DirectivePolicyError,
    );
  });
});

describe('args', () => {
  const hostile = ['; touch /tmp/x', '$(id)', "it's", '"', 'a b', '', '\\', '\n'];

  it('reach a command as its positional parameters, each quoted, never as text', () => {
    const out = join(dir, 'cmd-args');
    const wrapper = batchScript({
      ...spec,
      command: `printf '%s\\0' "$@" > ${out}`,
      args: hostile,
    });
    expect(wrapper).toContain(
      `"$hpcgate_script" '; touch /tmp/x' '$(id)' 'it'\\''s' '"' 'a b' '' '\\' '\n' &`,
    );
    run(wrapper);
    expect(readFileSync(out, 'utf8').split('\0').slice(0, -1)).toEqual(hostile);
  });

  it('reach a script the same way', () => {
    const out = join(dir, 'script-args');
    run(
      batchScript({
        ...spec,
        script: `#!/bin/bash\nprintf '%s\\0' "$#" "$@" > ${out}\n`,
        command: null,
        args: hostile,
      }),
    );
    expect(readFileSync(out, 'utf8').split('\0').slice(0, -1)).toEqual([
      String(hostile.length),
      ...hostile,
    ]);
  });
});
