import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SshPool } from '../../../src/scheduler/slurm/ssh-pool.js';
import { sandboxSystem } from '../../helpers/sandbox-config.js';

// One connection per Unix account, on the real sandbox sshd: reused, bounded, closed when idle.
const system = sandboxSystem();
const login = (account: string) => ({
  username: account,
  privateKeyPath: join(system.userKeysDir, account),
});
let pool: SshPool | undefined;
afterEach(() => pool?.close());

describe('SshPool', () => {
  it('runs each command as its account, over one reused connection per account', async () => {
    pool = new SshPool({ ...system, maxConnections: 4, idleConnectionMs: 60_000 });
    const who = await Promise.all(
      ['alice', 'bob', 'alice', 'carol', 'bob'].map(async (a) =>
        (await pool!.exec(login(a), 'id -un')).stdout.trim(),
      ),
    );
    expect(who).toEqual(['alice', 'bob', 'alice', 'carol', 'bob']);
    expect(pool.openConnections).toBe(3);
  });

  it('at the bound, closes the least recently used idle connection for a new account', async () => {
    pool = new SshPool({ ...system, maxConnections: 2, idleConnectionMs: 60_000 });
    await pool.exec(login('alice'), 'true');
    await pool.exec(login('bob'), 'true');
    expect((await pool.exec(login('carol'), 'id -un')).stdout.trim()).toBe('carol');
    expect(pool.openConnections).toBe(2);
  });

  it('at the bound with every connection busy, a new account waits for one to become idle', async () => {
    pool = new SshPool({ ...system, maxConnections: 2, idleConnectionMs: 60_000 });
    const slow = [pool.exec(login('alice'), 'sleep 0.5'), pool.exec(login('bob'), 'sleep 0.5')];
    const started = Date.now();
    const carol = await pool.exec(login('carol'), 'id -un');
    expect(carol.stdout.trim()).toBe('carol');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await Promise.all(slow);
    expect(pool.openConnections).toBeLessThanOrEqual(2);
  });

  it('closes a connection unused for idleConnectionMs', async () => {
    pool = new SshPool({ ...system, maxConnections: 4, idleConnectionMs: 1_000 });
    await pool.exec(login('alice'), 'true');
    await pool.exec(login('bob'), 'true');
    expect(pool.openConnections).toBe(2);
    pool.closeIdle(Date.now() + 1_000);
    expect(pool.openConnections).toBe(0);
    // And opens again on the next command.
    expect((await pool.exec(login('alice'), 'id -un')).stdout.trim()).toBe('alice');
  });

  it('refuses a key other users could read, before connecting', async () => {
    pool = new SshPool({ ...system, maxConnections: 4, idleConnectionMs: 60_000 });
    await expect(
      pool.exec(
        { username: 'alice', privateKeyPath: `${system.userKeysDir}/../known_hosts` },
        'true',
      ),
    ).rejects.toThrow(/readable by other users/);
  });
});

describe('hostKey: insecure-accept-any', () => {
  it('connects, and warns with the key it accepted on every connection', async () => {
    const warnings: string[] = [];
    pool = new SshPool(
      { ...system, hostKey: 'insecure-accept-any', maxConnections: 4, idleConnectionMs: 60_000 },
      (m) => warnings.push(m),
    );
    await pool.exec(login('alice'), 'true');
    await pool.exec(login('bob'), 'true');
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/accepted WITHOUT verification \(hostKey: insecure-accept-any\)/);
    expect(warnings[0]).toMatch(/SHA256:/);
  });
});
