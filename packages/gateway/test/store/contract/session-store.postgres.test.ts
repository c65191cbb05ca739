import { PgJobStore } from '../../../src/store/postgres/pg-job-store.js';
import { PgSessionStore } from '../../../src/store/postgres/pg-session-store.js';
import { pgSchemas } from './pg-schemas.js';
import { describeSessionStore } from './session-store-contract.js';

// The session store contract on a real PostgreSQL, a schema per test, each dropped at the end.
// Never skipped: without a server this file fails.
const { url, freshSchema } = pgSchemas();

describeSessionStore('PostgreSQL', async () => {
  const schema = freshSchema();
  const opened: PgJobStore[] = [];
  const open = async () => {
    const jobs = await PgJobStore.open({ connectionString: url, schema });
    opened.push(jobs);
    return new PgSessionStore(jobs.pool);
  };
  return {
    store: await open(),
    another: open,
    close: async () => {
      for (const j of opened.splice(0)) await j.close();
    },
  };
});
