import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BatchJobSpec } from '../../../src/scheduler/scheduler.js';
import {
  ANNOUNCE_FILE,
  AnnouncementFollowers,
  announceFunction,
  followCommand,
  parseAnnouncement,
} from '../../../src/scheduler/slurm/announcements.js';
import { batchScript } from '../../../src/scheduler/slurm/batch-script.js';
import type { SshPool } from '../../../src/scheduler/slurm/ssh-pool.js';
import { sampleSpec } from '../../helpers/sample-spec.js';

const ID = '0b0f5e7e-9d3c-4c1a-8a43-2f1e6f0c9d11';

const spec = (over: Partial<BatchJobSpec> = {}) => sampleSpec({ gatewayJobId: ID, ...over });

describe('announcement lines', () => {
  it('are read only in their exact form', () => {
    expect(parseAnnouncement(`start ${ID} 1764619200.123456789`)).toEqual({
      event: 'start',
      gatewayJobId: ID,
    });
    expect(parseAnnouncement(`end ${ID} 1764619200`)).toEqual({ event: 'end', gatewayJobId: ID });
    for (const bad of [
      '',
      `started ${ID} 1`,
      `end ${ID.toUpperCase()} 1`,
      `end ${ID} 1; rm -rf ~`,
      `end ${ID}`,
      `end ../${ID} 1`,
      `end ${ID} 1 extra`,
    ]) {
      expect(parseAnnouncement(bad)).toBeNull();
    }
  });
});

describe('the wrapper', () => {
  it('announces its start before the script and its end after it, in the jobs root', () => {
    const script = batchScript(spec(), '"$PWD"', '~/hpcgate/jobs');
    const lines = script.split('\n');
    const start = lines.indexOf('hpcgate_announce start');
    const run = lines.findIndex((l) => l.startsWith('"$hpcgate_script"'));
    const end = lines.indexOf('hpcgate_announce end');
    expect(start).toBeGreaterThan(0);
    expect(run).toBeGreaterThan(start);
    expect(end).toBeGreaterThan(run);
    expect(script).toContain(`"$HOME"'/hpcgate/jobs/${ANNOUNCE_FILE}'`);
    expect(script).toContain(announceFunction('~/hpcgate/jobs', ID).join('\n'));
  });

  it("of an array's tasks announces nothing (the tasks are polled)", () => {
    const script = batchScript(spec({ array: { indices: '1-3' } }), '"$PWD"', '~/hpcgate/jobs');
    expect(script).not.toContain(ANNOUNCE_FILE);
    expect(script).toContain('hpcgate_announce() { :; }');
  });

  it('follows the file from its end, by name, until its input closes', () => {
    const command = followCommand('$SCRATCH/hpcgate');
    expect(command).toContain(
      `tail -n 0 -s 0.5 -F -- "\${SCRATCH:?is not set on the cluster}"'/hpcgate/${ANNOUNCE_FILE}'`,
    );
    expect(command.split('\n').at(-2)).toBe('cat > /dev/null');
  });
});

describe('the followers', () => {
  /** A fake pool: streams that never end on their own, and what was asked of them. */
  function fakePool() {
    const started: string[] = [];
    const ended: string[] = [];
    const pool = {
      async stream(login: { username: string }) {
        started.push(login.username);
        return {
          stdout: new PassThrough(),
          exit: new Promise(() => {}),
          endInput: () => ended.push(login.username),
          close: () => ended.push(login.username),
        };
      },
    };
    return { pool: pool as unknown as SshPool, started, ended };
  }

  it('follow the first accounts named, at most so many, and let go of those no longer named', async () => {
    const { pool, started, ended } = fakePool();
    const login = (username: string) => ({ username, privateKeyPath: `/keys/${username}` });
    const followers = new AnnouncementFollowers(pool, login, '~/hpcgate/jobs', () => {}, 2);
    followers.follow(['carol', 'alice', 'bob'], () => {});
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual(['carol', 'alice']);
    followers.follow(['bob'], () => {});
    await new Promise((r) => setImmediate(r));
    expect(ended.sort()).toEqual(['alice', 'carol']);
    expect(started).toEqual(['carol', 'alice', 'bob']);
    followers.close();
    expect(ended).toContain('bob');
  });
});
