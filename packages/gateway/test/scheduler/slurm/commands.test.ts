import { describe, expect, it } from 'vitest';
import { sbatchCommand, stopCommand } from '../../../src/scheduler/slurm/commands.js';
import { commandLine, shellQuote } from '../../../src/scheduler/slurm/quote.js';
import { sampleSpec } from '../../helpers/sample-spec.js';

const spec = sampleSpec({ gatewayJobId: 'id-1' });

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
    const lines = sbatchCommand(
      { ...spec, workingDir: "/tmp/a b'; touch x", partition: 'debug', maxMinutes: 5 },
      '"$HOME"\'/hpcgate/jobs/id-1\'',
    ).split('\n');
    expect(lines[0]).toBe(`hpcgate_d="$HOME"'/hpcgate/jobs/id-1'`);
    expect(lines.at(-1)).toBe(
      `${commandLine([
        'sbatch',
        '--parsable',
        '--job-name=x',
        '--comment=hpcgate:id-1',
        '--partition=debug',
        '--time=5',
        "--chdir=/tmp/a b'; touch x",
      ])} --output="$hpcgate_d"/stdout --error="$hpcgate_d"/stderr`,
    );
  });

  it('sbatch without a workingDir runs the job in its job directory', () => {
    const line = sbatchCommand(spec, "'/jobs/id-1'").split('\n').at(-1);
    expect(line).toMatch(
      / --output="\$hpcgate_d"\/stdout --error="\$hpcgate_d"\/stderr --chdir="\$hpcgate_d"$/,
    );
  });

  it('stop commands read the cluster clock first and take only numeric ids', () => {
    const t = (remoteJobId: string) => ({ remoteJobId, gatewayJobId: `g-${remoteJobId}` });
    const cancel = stopCommand([t('12'), t('13')], 'cancel').split('\n');
    expect(cancel[0]).toBe('date +%s');
    expect(cancel.at(-1)).toBe(`[ -z "$hpcgate_ids" ] || { 'scancel' $hpcgate_ids; }`);
    expect(stopCommand([t('12')], 'interrupt')).toContain(
      "'scancel' '--full' '--signal=INT' $hpcgate_ids",
    );
    expect(stopCommand([t('12')], 'force-stop')).toContain(
      `'scancel' '--batch' '--signal=USR2' "$hpcgate_id"`,
    );
    expect(() => stopCommand([t('12; rm -rf ~')], 'cancel')).toThrow(/not a Slurm job id/);
  });

  it("signal a Slurm id only while it carries the job's own tag: one listing, whole-line matches", () => {
    const line = stopCommand(
      [
        { remoteJobId: '42', gatewayJobId: 'abc' },
        { remoteJobId: '43', gatewayJobId: "x'; rm -rf ~; '" },
      ],
      'cancel',
    );
    const lines = line.split('\n');
    // A listing that fails fails the command (squeue's words on stderr): never "not this job".
    expect(lines[1]).toBe(
      `hpcgate_l=$('squeue' '--noheader' '--states=all' '--me' '--format=%F|%k' 2>&1) || case "$hpcgate_l" in *'Invalid job id specified'*) hpcgate_l= ;; *) printf '%s\\n' "$hpcgate_l" >&2; exit 75 ;; esac`,
    );
    expect(lines[2]).toBe(
      `hpcgate_ids=$(printf '%s\\n' "$hpcgate_l" | 'grep' '-xF' '-e' '42|hpcgate:abc' '-e' '43|hpcgate:x'\\''; rm -rf ~; '\\''' | cut -d'|' -f1 | sort -u)`,
    );
    expect(lines[3]).toBe('echo hpcgate-verified $hpcgate_ids');
  });
});
