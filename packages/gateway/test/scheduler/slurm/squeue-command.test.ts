import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_FILTER_IDS, squeueCommand } from '../../../src/scheduler/slurm/commands.js';

// The poll's listing filter, run by the system's POSIX sh and awk against a FAKE `squeue` that
// prints what the test says (the sandbox tests poll the real one).
const dir = mkdtempSync(join(tmpdir(), 'hpcgate-squeue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  join(dir, 'squeue'),
  '#!/bin/sh\nprintf "%s" "$FAKE_LISTING"\necho "$FAKE_STDERR" >&2\nexit "$FAKE_EXIT"\n',
);
chmodSync(join(dir, 'squeue'), 0o755);

function run(command: string, listing: string, exit = 0) {
  const r = spawnSync('/bin/sh', ['-c', command], {
    env: {
      PATH: `${dir}:/usr/bin:/bin`,
      FAKE_LISTING: listing,
      FAKE_EXIT: String(exit),
      FAKE_STDERR: exit ? 'slurm_load_jobs error: Unable to contact slurm controller' : '',
    },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const LISTING = [
  '12|RUNNING|None|0|1|2|3|alice|hpcgate:a|',
  '120|COMPLETED|None|0|1|2|3|alice|hpcgate:b|',
  '7_3|RUNNING|None|0|1|2|3|alice|hpcgate:c|',
  '7_[4-9]|PENDING|None|0|1|2|3|alice|hpcgate:c|',
  '99|CANCELLED|None|0|1|2|3|alice|hpcgate:d|',
  '',
].join('\n');

describe('squeueCommand', () => {
  it('keeps only the lines of the watched ids, an array’s tasks under the array’s id', () => {
    const r = run(squeueCommand(['alice'], ['12', '7']), LISTING);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '12|RUNNING|None|0|1|2|3|alice|hpcgate:a|',
      '7_3|RUNNING|None|0|1|2|3|alice|hpcgate:c|',
      '7_[4-9]|PENDING|None|0|1|2|3|alice|hpcgate:c|',
    ]);
  });

  it('keeps the lines carrying the looked-for tags too, and no line whose tag only starts alike', () => {
    const r = run(squeueCommand(['alice'], ['12'], ['d', 'b-x']), LISTING);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      '12|RUNNING|None|0|1|2|3|alice|hpcgate:a|',
      '99|CANCELLED|None|0|1|2|3|alice|hpcgate:d|',
    ]);
    // Only tags of the gateway's own form are filtered on: anything else lists everything.
    expect(squeueCommand(['alice'], ['12'], ['a\\nb'])).not.toContain('awk');
  });

  it('fails as squeue failed, with its words on stderr, whatever the filter', () => {
    const r = run(squeueCommand(['alice'], ['12']), '', 1);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Unable to contact slurm controller');
    expect(r.stdout).toBe('');
  });

  it('lists everything without ids or tags, or with too many', () => {
    expect(run(squeueCommand(['alice']), LISTING).stdout).toBe(LISTING);
    const many = Array.from({ length: MAX_FILTER_IDS + 1 }, (_, i) => String(i + 1));
    expect(squeueCommand(['alice'], many)).not.toContain('awk');
    expect(() => squeueCommand(['alice'], ['12; rm -rf ~'])).toThrow(/not a Slurm job id/);
  });
});
