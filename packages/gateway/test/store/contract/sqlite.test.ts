import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJobStore } from '../../../src/store/sqlite/sqlite-job-store.js';
import { describeJobStore } from './job-store-contract.js';

// The store contract on SQLite: one file per test (a second store on it is a second gateway).
describeJobStore('SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-contract-')), 'gateway.db');
  return {
    store: new SqliteJobStore(path),
    another: async () => new SqliteJobStore(path),
  };
});
