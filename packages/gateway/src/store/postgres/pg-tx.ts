import type pg from 'pg';

/** Runs `fn` in a transaction on one connection of `pool`; rolls back on any error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (c: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query('BEGIN');
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } catch (err) {
    await c.query('ROLLBACK').catch((e: unknown) => {
      broken = e instanceof Error ? e : new Error(String(e));
    });
    throw err;
  } finally {
    // A connection that could not even roll back is not handed out again.
    c.release(broken);
  }
}

/** PostgreSQL text cannot hold NUL: a value with one matches nothing stored. */
export function hasNul(...values: (string | null | undefined)[]): boolean {
  return values.some((v) => typeof v === 'string' && v.includes('\u0000'));
}
