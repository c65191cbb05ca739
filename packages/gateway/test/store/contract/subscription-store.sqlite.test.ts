import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteJobStore } from '../../../src/store/sqlite/sqlite-job-store.js';
import { SqliteSubscriptionStore } from '../../../src/store/sqlite/sqlite-subscription-store.js';
import { describeSubscriptionStore } from './subscription-store-contract.js';

// The webhook store contract on SQLite: one file per test (another pair of stores on it is a
// second gateway, with its own connection).
describeSubscriptionStore('SQLite', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-webhooks-')), 'gateway.db');
  const opened: SqliteJobStore[] = [];
  const open = () => {
    const jobs = new SqliteJobStore(path);
    opened.push(jobs);
    return { jobs, subs: new SqliteSubscriptionStore(jobs.database) };
  };
  return {
    ...open(),
    another: async () => open(),
    close: async () => {
      for (const j of opened.splice(0)) await j.close();
    },
  };
});
