import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJobStore } from '../../../src/store/sqlite/sqlite-job-store.js';
import { SqliteSessionStore } from '../../../src/store/sqlite/sqlite-session-store.js';
import { describeSessionStore } from './session-store-contract.js';

// The session store contract on SQLite: one file per test (another store on it is a second
// gateway, with its own connection).
describeSessionStore('SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-sessions-')), 'gateway.db');
  const opened: SqliteJobStore[] = [];
  const open = () => {
    const jobs = new SqliteJobStore(path);
    opened.push(jobs);
    return new SqliteSessionStore(jobs.database);
  };
  return {
    store: open(),
    another: async () => open(),
    close: async () => {
      for (const j of opened.splice(0)) await j.close();
    },
  };
});
