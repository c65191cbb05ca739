import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';

/**
 * For the PostgreSQL test files: the server's URL (a file without one fails, never skips), and
 * schemas of this run only, every one dropped when the file's tests are done. Call at the top
 * level of a test file.
 */
export function pgSchemas(): {
  url: string;
  freshSchema: () => string;
  admin: <T>(fn: (c: pg.Client) => Promise<T>) => Promise<T>;
} {
  const url = process.env.HPCGATE_PG_URL;
  if (!url) {
    throw new Error(
      'HPCGATE_PG_URL is not set: the PostgreSQL store tests need a server. Run ' +
        '`bash scripts/postgres.sh up` (as root: it installs and starts a private one), then ' +
        '`set -a; . <(bash scripts/postgres.sh env); set +a`',
    );
  }
  // Every schema this run makes: its own, dropped at the end, so runs never see each other.
  const run = `hpcgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const schemas: string[] = [];
  let n = 0;
  const freshSchema = () => {
    const schema = `${run}_${n++}`;
    schemas.push(schema);
    return schema;
  };
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  afterAll(async () => {
    await admin(async (c) => {
      // Names made above from the pid and hex digits only.
      for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    });
  });
  return { url, freshSchema, admin };
}
