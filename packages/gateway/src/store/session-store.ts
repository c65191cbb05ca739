/** A sign-in under way: what the callback needs, sealed with the login cookie's token. */
export interface PendingLogin {
  idHash: string;
  sealed: string;
  expires: string;
}

/** A signed-in browser: its provider tokens sealed with the session cookie's token. */
export interface WebSessionRecord {
  idHash: string;
  username: string;
  sealed: string;
  created: string;
  lastSeen: string;
  expires: string;
}

/**
 * The web page's sign-ins and sessions, by the hash of their cookie's token (never the token).
 * Kept in the store, not in memory, so that any gateway process can finish a sign-in another
 * began and serve a session another made.
 */
export interface SessionStore {
  /**
   * Keeps a pending login, first dropping expired ones; refuses (false) when `max` are pending:
   * anyone may start a sign-in, so their number is bounded.
   */
  addLogin(login: PendingLogin, max: number, now: string): Promise<boolean>;
  /** Removes and returns the login (a login is used once); undefined when unknown or expired. */
  takeLogin(idHash: string, now: string): Promise<PendingLogin | undefined>;
  /** Keeps a session; past `maxPerUser` sessions of the user, the oldest go. */
  addSession(session: WebSessionRecord, maxPerUser: number): Promise<void>;
  getSession(idHash: string): Promise<WebSessionRecord | undefined>;
  /** Saves new sealed tokens (after a refresh) and the last use. */
  updateSession(idHash: string, change: { sealed?: string; lastSeen: string }): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Drops sessions past their end (and logins past theirs). */
  purgeExpired(now: string): Promise<void>;
}
