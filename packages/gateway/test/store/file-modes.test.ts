import { chmodSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';

// The store holds every user's scripts and env values: no other Unix user may read it.
const mode = (path: string) => statSync(path).mode & 0o777;

describe('the SQLite store file', () => {
  it('is created 0600 (with its WAL files) in a directory created 0700, whatever the umask', async () => {
    const base = mkdtempSync(join(tmpdir(), 'hpcgate-store-'));
    const path = join(base, 'state', 'gateway.db');
    const umask = process.umask(0o000);
    try {
      const store = new SqliteJobStore(path);
      await store.ping();
      expect(mode(join(base, 'state'))).toBe(0o700);
      for (const f of [path, `${path}-wal`, `${path}-shm`]) expect(mode(f), f).toBe(0o600);
      await store.close();
    } finally {
      process.umask(umask);
    }
  });

  it('is made 0600 again when an older gateway left it readable', async () => {
    const base = mkdtempSync(join(tmpdir(), 'hpcgate-store-'));
    const path = join(base, 'gateway.db');
    const umask = process.umask(0o000);
    try {
      await new SqliteJobStore(path).close();
    } finally {
      process.umask(umask);
    }
    chmodSync(path, 0o644);
    const store = new SqliteJobStore(path);
    expect(mode(path)).toBe(0o600);
    await store.close();
  });
});
