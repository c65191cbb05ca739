import type Database from 'better-sqlite3';
import type { PendingLogin, SessionStore, WebSessionRecord } from '../session-store.js';

type Row = Record<string, unknown>;

/** Sign-ins and sessions in the jobs' SQLite file, on the JobStore's own connection. */
export class SqliteSessionStore implements SessionStore {
  constructor(private readonly db: Database.Database) {}

  async addLogin(login: PendingLogin, max: number, now: string): Promise<boolean> {
    return this.db.transaction(() => {
      this.db.prepare('DELETE FROM web_logins WHERE expires <= ?').run(now);
      const { n } = this.db.prepare('SELECT count(*) AS n FROM web_logins').get() as { n: number };
      if (n >= max) return false;
      this.db
        .prepare(
          'INSERT INTO web_logins (id_hash, sealed, expires) VALUES (@idHash, @sealed, @expires)',
        )
        .run(login);
      return true;
    })();
  }

  async takeLogin(idHash: string, now: string): Promise<PendingLogin | undefined> {
    const row = this.db
      .prepare('DELETE FROM web_logins WHERE id_hash = ? RETURNING *')
      .get(idHash) as Row | undefined;
    if (!row || (row.expires as string) <= now) return undefined;
    return { idHash, sealed: row.sealed as string, expires: row.expires as string };
  }

  async addSession(session: WebSessionRecord, maxPerUser: number): Promise<void> {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO web_sessions (id_hash, username, sealed, created, last_seen, expires)
           VALUES (@idHash, @username, @sealed, @created, @lastSeen, @expires)`,
        )
        .run(session);
      this.db
        .prepare(
          `DELETE FROM web_sessions WHERE username = @username AND id_hash NOT IN (
             SELECT id_hash FROM web_sessions WHERE username = @username
             ORDER BY created DESC, id_hash LIMIT @max)`,
        )
        .run({ username: session.username, max: maxPerUser });
    })();
  }

  async getSession(idHash: string): Promise<WebSessionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM web_sessions WHERE id_hash = ?').get(idHash) as
      | Row
      | undefined;
    if (!row) return undefined;
    return {
      idHash,
      username: row.username as string,
      sealed: row.sealed as string,
      created: row.created as string,
      lastSeen: row.last_seen as string,
      expires: row.expires as string,
    };
  }

  async updateSession(
    idHash: string,
    change: { sealed?: string; lastSeen: string },
  ): Promise<void> {
    this.db
      .prepare(
        'UPDATE web_sessions SET sealed = coalesce(@sealed, sealed), last_seen = @lastSeen WHERE id_hash = @idHash',
      )
      .run({ idHash, sealed: change.sealed ?? null, lastSeen: change.lastSeen });
  }

  async deleteSession(idHash: string): Promise<void> {
    this.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(idHash);
  }

  async purgeExpired(now: string): Promise<void> {
    this.db.prepare('DELETE FROM web_sessions WHERE expires <= ?').run(now);
    this.db.prepare('DELETE FROM web_logins WHERE expires <= ?').run(now);
  }
}
