import type pg from 'pg';
import type { PendingLogin, SessionStore, WebSessionRecord } from '../session-store.js';
import { hasNul, inTransaction } from './pg-tx.js';

/**
 * `pg_advisory_xact_lock(LOGIN_LOCK)`: the pending logins are purged, counted and added under
 * it, so concurrent sign-ins (on any replica) never keep more than the bound.
 */
export const LOGIN_LOCK = 0x6870_6367_6c6f_6769n; // 'hpcglogi'
/**
 * `pg_advisory_xact_lock(SESSION_LOCK, hashtext(username))`: one user's sessions are added and
 * trimmed to the cap under it (the two-key form, another key space from the one-key locks).
 */
export const SESSION_LOCK = 0x6870_7365; // 'hpse'

/**
 * Sign-ins and sessions in the schema of a PgJobStore, on its pool
 * (`new PgSessionStore(jobStore.pool)`): any replica can finish a sign-in another began.
 */
export class PgSessionStore implements SessionStore {
  constructor(private readonly pool: pg.Pool) {}

  async addLogin(login: PendingLogin, max: number, now: string): Promise<boolean> {
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LOGIN_LOCK.toString()]);
      await c.query('DELETE FROM web_logins WHERE expires <= $1', [now]);
      const { rows } = await c.query<{ n: number }>(
        'SELECT count(*)::integer AS n FROM web_logins',
      );
      if (rows[0]!.n >= max) return false;
      await c.query('INSERT INTO web_logins (id_hash, sealed, expires) VALUES ($1, $2, $3)', [
        login.idHash,
        login.sealed,
        login.expires,
      ]);
      return true;
    });
  }

  async takeLogin(idHash: string, now: string): Promise<PendingLogin | undefined> {
    if (hasNul(idHash)) return undefined;
    // Deleted and returned in one statement: of two callers, one gets it (a login is used once).
    const { rows } = await this.pool.query<{ sealed: string; expires: string; live: boolean }>(
      `DELETE FROM web_logins WHERE id_hash = $1
       RETURNING sealed, expires, expires > $2::timestamptz AS live`,
      [idHash, now],
    );
    const row = rows[0];
    if (!row?.live) return undefined;
    return { idHash, sealed: row.sealed, expires: row.expires };
  }

  async addSession(session: WebSessionRecord, maxPerUser: number): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        SESSION_LOCK,
        session.username,
      ]);
      await c.query(
        `INSERT INTO web_sessions (id_hash, username, sealed, created, last_seen, expires)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          session.idHash,
          session.username,
          session.sealed,
          session.created,
          session.lastSeen,
          session.expires,
        ],
      );
      // The newest `maxPerUser` stay (ties by id_hash, as SQLite orders them).
      await c.query(
        `DELETE FROM web_sessions WHERE username = $1 AND id_hash NOT IN (
           SELECT id_hash FROM web_sessions WHERE username = $1
           ORDER BY created DESC, id_hash LIMIT $2)`,
        [session.username, maxPerUser],
      );
    });
  }

  async getSession(idHash: string): Promise<WebSessionRecord | undefined> {
    if (hasNul(idHash)) return undefined;
    const { rows } = await this.pool.query<Record<string, string>>(
      'SELECT * FROM web_sessions WHERE id_hash = $1',
      [idHash],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      idHash,
      username: row.username!,
      sealed: row.sealed!,
      created: row.created!,
      lastSeen: row.last_seen!,
      expires: row.expires!,
    };
  }

  async updateSession(
    idHash: string,
    change: { sealed?: string; lastSeen: string },
  ): Promise<void> {
    if (hasNul(idHash)) return;
    await this.pool.query(
      'UPDATE web_sessions SET sealed = coalesce($2, sealed), last_seen = $3 WHERE id_hash = $1',
      [idHash, change.sealed ?? null, change.lastSeen],
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    if (hasNul(idHash)) return;
    await this.pool.query('DELETE FROM web_sessions WHERE id_hash = $1', [idHash]);
  }

  async purgeExpired(now: string): Promise<void> {
    await this.pool.query('DELETE FROM web_sessions WHERE expires <= $1', [now]);
    await this.pool.query('DELETE FROM web_logins WHERE expires <= $1', [now]);
  }
}
