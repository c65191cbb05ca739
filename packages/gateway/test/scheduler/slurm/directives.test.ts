import { describe, expect, it } from 'vitest';
import { executionSystemSchema } from '../../../src/config/schema.js';
import { InvalidJobRequestError } from '../../../src/domain/errors.js';
import type { BatchJobSpec } from '../../../src/scheduler/scheduler.js';
import { checkMemory, checkTime } from '../../../src/scheduler/slurm/directive-values.js';
import {
  DirectivePolicyError,
  parseDirectives,
  renderDirectives,
} from '../../../src/scheduler/slurm/directives.js';
import { SlurmScheduler } from '../../../src/scheduler/slurm/slurm-scheduler.js';
import { sampleSpec } from '../../helpers/sample-spec.js';

/** The refusal for a script, or null when it is accepted. */
function refusal(script: string): DirectivePolicyError | null {
  try {
    parseDirectives(script);
    return null;
  } catch (err) {
    if (err instanceof DirectivePolicyError) return err;
    throw err;
  }
}

const script = (...directives: string[]) => `#!/bin/bash\n${directives.join('\n')}\nsleep 60\n`;

describe('#SBATCH bypasses found in review are refused, naming the line', () => {
  it.each([
    ['a unique prefix of --array', '#SBATCH --arr=0-9', /--arr is not an option the gateway/],
    ['bundled short options with an array', '#SBATCH -Qa0-9', /short options/],
    ['a quoted --array', '#SBATCH "--array=0-9"', /quotes/],
    ['a prefix of --partition', '#SBATCH --part=secret', /--part is not an option/],
    ['a bundled partition', '#SBATCH -Qpsecret', /short options/],
    ['a bundled --wait', '#SBATCH -QW', /short options/],
    ['--test (a prefix of --test-only)', '#SBATCH --test', /--test is not an option/],
    ['a bundled --clusters', '#SBATCH -vMother', /short options/],
    ['a repeated short partition', '#SBATCH -p ok -p secret', /short options/],
    ['--array itself', '#SBATCH --array=0-3', /--array is not allowed: the gateway submits/],
    ['--partition itself', '#SBATCH --partition=debug', /"partition" parameter/],
    [
      '--output',
      '#SBATCH --output=/tmp/x',
      /writes the job's stdout and stderr to its job directory/,
    ],
    [
      '--error',
      '#SBATCH --error=/tmp/x',
      /writes the job's stdout and stderr to its job directory/,
    ],
    ['--job-name', '#SBATCH --job-name=x', /names the job/],
    ['--comment (the tag)', '#SBATCH --comment=hpcgate:other', /tag/],
    ['--chdir', '#SBATCH --chdir=/', /workingDir/],
    ['--wrap', '#SBATCH --wrap=true', /--wrap is not allowed/],
    ['--clusters', '#SBATCH --clusters=other', /--clusters is not allowed/],
    ['no space after the magic word', '#SBATCH--array=0-9', /a space must follow/],
    ['two options on one line', '#SBATCH --hold --time=5', /one option per #SBATCH line/],
    ['a separate value', '#SBATCH --time 5', /--time=<value>/],
    ['a # inside the word', '#SBATCH --time=5#--array=1', /quotes, backslashes and #/],
    ['a quote before a #', '#SBATCH --qos="a #" --array=1', /quotes, backslashes and #/],
    ['a backslash', '#SBATCH --qos=a\\ --array=1', /quotes, backslashes and #/],
    ['#SLURM, which sbatch also reads', '#SLURM --array=0-9', /only #SBATCH/],
    ['#PBS in the directive block', '#PBS -t 0-9', /only #SBATCH/],
    ['#BSUB in the directive block', '#BSUB -q secret', /only #SBATCH/],
    ['an empty directive', '#SBATCH', /an empty directive/],
    ['an unknown option', '#SBATCH --export=ALL', /--export is not an option/],
    ['a flag with a value', '#SBATCH --exclusive=user', /is a flag/],
    ['a value option without one', '#SBATCH --time', /needs a value/],
  ])('%s: %s', (_what, line, reason) => {
    const err = refusal(script('#SBATCH --hold', line));
    expect(err).not.toBeNull();
    expect(err!.line).toBe(3);
    expect(err!.message).toContain(`line 3, ${JSON.stringify(line)}: `);
    expect(err!.message).toMatch(reason);
  });

  it('a repeated option, even in its allowed form', () => {
    const err = refusal(script('#SBATCH --time=5', '# a note', '#SBATCH --time=600'));
    expect(err?.line).toBe(4);
    expect(err?.message).toMatch(/--time is already given on line 2/);
  });

  it('contradicting options: --mem with --mem-per-cpu, --requeue with --no-requeue', () => {
    expect(refusal(script('#SBATCH --mem=1G', '#SBATCH --mem-per-cpu=1G'))?.message).toMatch(
      /line 3, .*--mem-per-cpu and --mem \(line 2\) exclude each other/,
    );
    expect(refusal(script('#SBATCH --no-requeue', '#SBATCH --requeue'))?.message).toMatch(
      /exclude each other/,
    );
  });

  it('a long line is clipped in the message', () => {
    const err = refusal(script(`#SBATCH --qos=${'a'.repeat(5000)}`));
    expect(err?.message.length).toBeLessThan(400);
  });
});

describe('values are checked strictly', () => {
  it.each([
    ['--time=0', /above zero/],
    ['--time=UNLIMITED', /a time limit/],
    ['--time=1-24', /a time limit/],
    ['--time=10:60', /a time limit/],
    ['--mem=0', /a size/],
    ['--mem=4GB', /a size/],
    ['--mem=2000T', /at most 1 PiB/],
    ['--cpus-per-task=0', /whole number/],
    ['--cpus-per-task=5000', /from 1 to 4096/],
    ['--nodes=4-2', /range/],
    ['--ntasks=-1', /whole number/],
    ['--gres=gpu:1;id', /letters, digits/],
    ['--constraint=a b', /one option per/],
    ['--constraint=a$b', /letters, digits/],
    ['--qos=a/b', /letters, digits/],
    ['--account=', /needs a value/],
    ['--begin=tomorrow', /a start time/],
    ['--begin=2025-13-01T10:00', /a start time/],
    ['--signal=B:USR2@60', /SIGUSR2/],
    ['--signal=SIGUSR2', /SIGUSR2/],
    ['--signal=STOP', /a signal among/],
    ['--signal=USR1@70000', /65535/],
  ])('%s', (option, reason) => {
    expect(refusal(script(`#SBATCH ${option}`))?.message).toMatch(reason);
  });

  it('time limits in every Slurm format', () => {
    for (const v of ['5', '10:30', '1:00:00', '2-0', '2-12', '1-02:30', '1-02:30:15']) {
      expect(checkTime(v), v).toBeNull();
    }
  });

  it('memory with and without units', () => {
    for (const v of ['512', '512K', '4G', '1T', '100M']) expect(checkMemory(v), v).toBeNull();
  });
});

describe('allowed directives', () => {
  it('are accepted in their one form, and re-written canonically', () => {
    const body = [
      '#!/bin/bash',
      '',
      '#SBATCH --hold',
      '   # an indented comment',
      '#SBATCH --time=1-02:30',
      '#SBATCH --mem=4G\r',
      '#SBATCH\t--cpus-per-task=2  ',
      '#SBATCH --nodes=1-2',
      '#SBATCH --ntasks=4',
      '#SBATCH --ntasks-per-node=2',
      '#SBATCH --gres=gpu:tesla:1',
      '#SBATCH --gpus=1',
      '#SBATCH --constraint=(intel|amd)&ib',
      '#SBATCH --qos=normal',
      '#SBATCH --account=proj-1.a',
      '#SBATCH --reservation=maint_1',
      '#SBATCH --begin=now+10minutes',
      '#SBATCH --exclusive',
      '#SBATCH --signal=B:USR1@60',
      '#SBATCH --no-requeue # a comment sbatch skips: "quoted", --array=1',
      'echo go',
      '#SBATCH --array=0-9', // after the first command: sbatch reads no further, neither do we
    ].join('\n');
    const written = body.split('\n').filter((l) => l.startsWith('#SBATCH'));
    const directives = parseDirectives(body);
    expect(directives).toHaveLength(17);
    expect(renderDirectives(directives)).toEqual(
      written.slice(0, 17).map((l) => l.replace('\t', ' ').replace(/ # .*/, '').trimEnd()),
    );
  });

  it('lines sbatch does not read are not directives: indented, lower case, after a command', () => {
    expect(
      parseDirectives(
        '#!/bin/bash\n  #SBATCH --array=1-3\n#sbatch --array=1-3\ntrue\n#SBATCH -a 1',
      ),
    ).toEqual([]);
  });

  it('--begin in each form, --requeue, --mem-per-cpu', () => {
    for (const v of [
      'now',
      'now+60',
      '16:00',
      '16:00:30',
      '2030-01-31T08:00',
      '2030-01-31T08:00:00',
    ]) {
      expect(refusal(script(`#SBATCH --begin=${v}`)), v).toBeNull();
    }
    expect(parseDirectives(script('#SBATCH --requeue', '#SBATCH --mem-per-cpu=512M'))).toEqual([
      { name: 'requeue', value: null },
      { name: 'mem-per-cpu', value: '512M' },
    ]);
  });
});

describe('SlurmScheduler.check', () => {
  const scheduler = new SlurmScheduler(
    executionSystemSchema.parse({
      id: 'unit',
      host: '127.0.0.1',
      hostKey: 'insecure-accept-any',
      user: 'svc',
      privateKeyPath: '/nonexistent',
      userKeysDir: '/nonexistent',
      accounts: {},
    }),
  );
  const spec = sampleSpec();
  const refusedBy = (s: Partial<BatchJobSpec>): InvalidJobRequestError | null => {
    try {
      scheduler.check({ ...spec, ...s }, ['debug']);
      return null;
    } catch (err) {
      if (err instanceof InvalidJobRequestError) return err;
      throw err;
    }
  };

  it('reads directives from a command, as the wrapper copies them from it', () => {
    const err = refusedBy({ command: '#SBATCH --array=0-3\nsleep 120' });
    expect(err?.field).toBe('body.command');
    // Numbered as the user wrote the command, not as the wrapper's body (one line longer).
    expect(err?.message).toContain('the command, line 1, "#SBATCH --array=0-3": --array');
  });

  it('names body.script for a script', () => {
    const err = refusedBy({ script: '#!/bin/bash\n#SBATCH --part=secret\ntrue\n', command: null });
    expect(err?.field).toBe('body.script');
    expect(err?.message).toContain('the script, line 2, "#SBATCH --part=secret"');
  });

  it('accepts allowed directives in either, and still checks the partition parameter', () => {
    expect(refusedBy({ command: '#SBATCH --time=5\n#SBATCH --hold\nsleep 1' })).toBeNull();
    expect(refusedBy({ script: '#!/bin/bash\n#SBATCH --hold\ntrue\n', command: null })).toBeNull();
    expect(refusedBy({ partition: 'gpu' })?.field).toBe('body.partition');
  });
});
