import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AFTER, stopCommand, VERIFIED } from '../../../src/scheduler/slurm/commands.js';

// The stop command's shell logic, run by the system's POSIX sh against FAKE `date`, `squeue`
// and `scancel` (scripts that print what the test says and log their calls): the matching of a
// job's tag line and the read-back, not Slurm (the sandbox tests stop real jobs).
const dir = mkdtempSync(join(tmpdir(), 'hpcgate-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const calls = join(dir, 'calls');
const fake = (name: string, body: string) => {
  writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} $*" >> '${calls}'\n${body}\n`);
  chmodSync(join(dir, name), 0o755);
};
fake('date', 'echo 1700000000');
fake(
  'squeue',
  'case "$*" in *"--format=%F|%k"*) printf "%s" "$FAKE_LISTING"; exit "$FAKE_LISTING_EXIT";; esac\nprintf "%s\\n" "42|read-back $*"',
);
fake('scancel', 'exit 0');

function run(command: string, listing: string, listingExit = 0) {
  writeFileSync(calls, '');
  const r = spawnSync('/bin/sh', ['-c', command], {
    env: {
      PATH: `${dir}:/usr/bin:/bin`,
      FAKE_LISTING: listing,
      FAKE_LISTING_EXIT: String(listingExit),
    },
    encoding: 'utf8',
  });
  const log = readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean);
  return {
    status: r.status,
    stdout: r.stdout,
    scancel: log.filter((l) => l.startsWith('scancel')),
    log,
  };
}

describe('stopCommand, one target', () => {
  const target = { remoteJobId: '42', gatewayJobId: 'abc' };

  it('signals the id whose line is exactly its tag, then reads the job back after a marker', () => {
    const { stdout, scancel, log } = run(
      stopCommand([target], 'cancel'),
      '41|hpcgate:zzz\n42|hpcgate:abc\n',
    );
    expect(scancel).toEqual(['scancel 42']);
    expect(stdout).toContain(`${VERIFIED} 42\n${AFTER}\n42|read-back `);
    // The read-back asks about that job alone.
    expect(log.at(-1)).toMatch(/^squeue .*--jobs=42$/);
  });

  it('signals nothing, and reads nothing back, for a line that only starts or ends like the tag', () => {
    for (const listing of ['42|hpcgate:abcd\n', '142|hpcgate:abc\n', '42|hpcgate:ab\n', '']) {
      const { stdout, scancel, log } = run(stopCommand([target], 'cancel'), listing);
      expect(scancel).toEqual([]);
      expect(stdout).toContain(`${VERIFIED}\n${AFTER}\n`);
      expect(log.filter((l) => l.startsWith('squeue'))).toHaveLength(1);
    }
  });

  it('matches a hostile tag literally: its quotes and glob characters are not the shell’s', () => {
    const hostile = { remoteJobId: '7', gatewayJobId: `x'*"; touch ${dir}/owned; '` };
    const near = run(stopCommand([hostile], 'cancel'), `7|hpcgate:x'anything"; touch\n`);
    expect(near.scancel).toEqual([]);
    const exact = run(stopCommand([hostile], 'cancel'), `7|hpcgate:${hostile.gatewayJobId}\n`);
    expect(exact.scancel).toEqual(['scancel 7']);
    expect(() => readFileSync(join(dir, 'owned'))).toThrow();
  });

  it('a listing that fails fails the command (exit 75), signalling nothing', () => {
    const down = run(stopCommand([target], 'cancel'), 'slurm_load_jobs error: timeout', 1);
    expect(down).toMatchObject({ status: 75, scancel: [] });
    // An id the controller no longer knows is "not this job", not a failure.
    const gone = run(stopCommand([target], 'cancel'), 'Invalid job id specified', 1);
    expect(gone).toMatchObject({ status: 0, scancel: [] });
  });

  it('keeps the signal’s exit status as the command’s, whatever the read-back does', () => {
    fake('scancel', 'exit 1');
    try {
      const r = run(stopCommand([target], 'cancel'), '42|hpcgate:abc\n');
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`${AFTER}\n42|read-back `);
    } finally {
      fake('scancel', 'exit 0');
    }
  });
});

describe('stopCommand, several targets', () => {
  const targets = [
    { remoteJobId: '42', gatewayJobId: 'abc' },
    { remoteJobId: '43', gatewayJobId: 'def' },
  ];

  it('signals the ids carrying their tags; lists the account again only when asked to', () => {
    const listing = '42|hpcgate:abc\n43|hpcgate:zzz\n';
    const plain = run(stopCommand(targets, 'cancel'), listing);
    expect(plain.scancel).toEqual(['scancel 42']);
    expect(plain.stdout).not.toContain(AFTER);
    const read = run(stopCommand(targets, 'cancel', undefined, true), listing);
    expect(read.scancel).toEqual(['scancel 42']);
    expect(read.stdout).toContain(`${VERIFIED} 42\n${AFTER}\n42|read-back `);
    expect(read.log.at(-1)).toMatch(/^squeue .*--me$/);
    // Only the targets' lines come back.
    expect(stopCommand(targets, 'cancel', undefined, true)).toContain("'ids=42,43'");
  });
});
