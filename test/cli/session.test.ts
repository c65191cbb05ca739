import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterEnv } from '../support/cluster-env.js';
import { gatewayConfigFor, type RunningGateway, startGateway } from '../support/gateway.js';
import { TestSsh } from '../support/ssh.js';
import { createIssuer } from '../support/tokens.js';

// The built `hpcgate` binary, run as a user runs it, against the real gateway and cluster.
const bin = join(dirname(fileURLToPath(import.meta.url)), '../../packages/cli/dist/bin.js');
const env = readClusterEnv();
let gateway: RunningGateway;
let ssh: TestSsh;
let userEnv: NodeJS.ProcessEnv;
let otherEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  const issuer = await createIssuer();
  gateway = await startGateway(gatewayConfigFor(env, issuer.jwksFile));
  ssh = await TestSsh.connect(env);
  const base = {
    PATH: process.env.PATH,
    HPCGATE_URL: gateway.url,
    HPCGATE_SYSTEM: env.cluster,
    HPCGATE_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'hpcgate-cli-')),
  };
  userEnv = { ...base, HPCGATE_TOKEN: await issuer.token('carla') };
  otherEnv = { ...base, HPCGATE_TOKEN: await issuer.token('dan') };
});
afterAll(async () => {
  ssh?.close();
  await gateway?.close();
});

async function hpcgate(args: string[], e = userEnv, input?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: e, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

describe('a CLI session', () => {
  it('submits, lists, stops by wildcard with --what-if then for real; Slurm keeps nothing', async () => {
    const ids: string[] = [];
    for (const i of [1, 2]) {
      const r = await hpcgate([
        'jobs',
        'submit',
        '--command',
        'sleep 600',
        '--name',
        `cli-sweep-${i}`,
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(0);
      ids.push(JSON.parse(r.stdout).id);
    }
    for (const id of ids) {
      const w = await hpcgate([
        'jobs',
        'wait',
        id,
        '--until',
        'RUNNING',
        '--timeout',
        '30',
        '--json',
      ]);
      expect(w.code, w.stderr).toBe(0);
    }
    const list = await hpcgate(['jobs', 'list', '--name', 'cli-sweep-*', '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout).jobs;
    expect(listed.map((j: { id: string }) => j.id).sort()).toEqual([...ids].sort());
    const remote = listed.map((j: { remoteJobId: string }) => j.remoteJobId);

    const whatIf = await hpcgate(['jobs', 'stop', '--name', 'cli-sweep-*', '--what-if']);
    expect(whatIf.code).toBe(0);
    for (const id of ids) expect(whatIf.stdout).toContain(id);
    expect((await ssh.run(`squeue -h -j ${remote.join(',')} -o %T`)).trim().split('\n')).toEqual([
      'RUNNING',
      'RUNNING',
    ]);

    // Not a terminal and no --yes: it refuses rather than hang.
    const refused = await hpcgate(['jobs', 'stop', '--name', 'cli-sweep-*']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--yes/);

    const stop = await hpcgate(['jobs', 'stop', '--name', 'cli-sweep-*', '--yes']);
    expect(stop.code, stop.stderr).toBe(0);
    for (const id of ids) {
      const w = await hpcgate(['jobs', 'wait', id, '--timeout', '30', '--json']);
      expect(JSON.parse(w.stdout)).toMatchObject({
        status: 'CANCELLED',
        condition: 'CANCELLED_BY_USER',
      });
    }
    expect((await ssh.run(`squeue -h -j ${remote.join(',')} -o %T`)).trim()).toBe('');

    // Stopping them again is not cancellable: exit 3, one line on stderr.
    const again = await hpcgate(['jobs', 'cancel', ids[0]!]);
    expect(again.code).toBe(3);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it("follows a job's stdout live, lists its directory and downloads a file", async () => {
    const sub = await hpcgate([
      'jobs',
      'submit',
      '--command',
      'echo hello; sleep 1',
      '--name',
      'cli-hello',
      '--json',
    ]);
    expect(sub.code, sub.stderr).toBe(0);
    const id = JSON.parse(sub.stdout).id;
    const logs = await hpcgate(['jobs', 'logs', id, '-f']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toBe('hello\n');
    const ls = await hpcgate(['jobs', 'output', 'ls', id, '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout).entries.map((e: { name: string }) => e.name)).toEqual([
      'stderr',
      'stdout',
    ]);
    const file = join(userEnv.HPCGATE_CONFIG_DIR as string, 'hello.txt');
    const get = await hpcgate(['jobs', 'output', 'get', id, 'stdout', '-o', file]);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
    // Another user: not found, like every route.
    const other = await hpcgate(['jobs', 'output', 'ls', id], otherEnv);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(/not found/i);
  });

  it('says "cancel requested" for an accepted cancel, and the final state with --wait', async () => {
    const sub = await hpcgate([
      'jobs',
      'submit',
      '--command',
      'sleep 600',
      '--name',
      'cli-honest',
      '--json',
    ]);
    const id = JSON.parse(sub.stdout).id;
    await hpcgate(['jobs', 'wait', id, '--until', 'RUNNING', '--timeout', '30']);
    const wait = await hpcgate(['jobs', 'cancel', id, '--wait', '30']);
    expect(wait.code).toBe(0);
    expect(wait.stdout).toMatch(/^cancelled /m);
    // A job that traps SIGINT and goes on: the interrupt is requested, the job is not cancelled.
    const ready = `/tmp/hpcgate-cli-ready-${Date.now()}`;
    const sub2 = await hpcgate([
      'jobs',
      'submit',
      '--command',
      `trap 'echo got INT' INT; touch ${ready}; while :; do sleep 1; done`,
      '--name',
      'cli-honest-2',
      '--json',
    ]);
    const id2 = JSON.parse(sub2.stdout).id;
    await hpcgate(['jobs', 'wait', id2, '--until', 'RUNNING', '--timeout', '30']);
    // Only once the trap is set: a SIGINT before it would end the script.
    await expect
      .poll(async () => (await ssh.exec(`test -e ${ready}`)).code, { timeout: 10_000 })
      .toBe(0);
    const trap = await hpcgate(['jobs', 'cancel', id2, '--mode', 'interrupt']);
    expect(trap.code).toBe(0);
    expect(trap.stdout).toMatch(/requested/);
    expect(trap.stdout).not.toMatch(/^cancelled/m);
    await hpcgate(['jobs', 'cancel', id2, '--mode', 'force-stop', '--wait', '30']);
  });

  it('another user’s job is not found (exit 2), a bad token is exit 4', async () => {
    const sub = await hpcgate([
      'jobs',
      'submit',
      '--command',
      'true',
      '--name',
      'cli-private',
      '--json',
    ]);
    const id = JSON.parse(sub.stdout).id;
    const other = await hpcgate(['jobs', 'get', id], otherEnv);
    expect(other.code).toBe(2);
    const bad = await hpcgate(['jobs', 'list'], { ...userEnv, HPCGATE_TOKEN: 'not-a-token' });
    expect(bad.code).toBe(4);
    expect(bad.stderr).not.toContain('not-a-token');
  });
});
