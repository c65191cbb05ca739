import type { FastifyBaseLogger } from 'fastify';
import { AuthenticationError, AuthUnavailableError } from '../auth/errors.js';
import type { Identity, TokenVerifier } from '../auth/token-verifier.js';
import type { WebConfig } from '../config/schema.js';
import type { SessionStore, WebSessionRecord } from '../store/session-store.js';
import {
  type LoginChecks,
  OidcSignIn,
  type ProviderTokens,
  SignInRefusedError,
} from './oidc-sign-in.js';
import { csrfTokenFor, newToken, seal, tokenHash, unseal } from './session-secrets.js';

const LOGIN_TTL_SEC = 600;
/** A session's last use is written at most this often. */
const TOUCH_EVERY_MS = 60_000;

interface SealedLogin extends LoginChecks {
  returnTo: string;
  redirectUri: string;
}

/** Too many sign-ins under way (anyone may start one): 429 TOO_MANY_SIGN_INS. */
export class TooManySignInsError extends Error {
  override name = 'TooManySignInsError';
  constructor() {
    super('too many sign-ins are under way; try again in a minute');
  }
}

/** Why a callback did not sign the browser in: the page shows `code` (`/?signInError=`). */
export class SignInFailedError extends Error {
  override name = 'SignInFailedError';
  constructor(
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** A signed-in browser, as a request sees it. */
export interface WebSession {
  identity: Identity;
  csrfToken: string;
  expiresAt: string;
  /**
   * Runs `close` when this session is signed out here (an open event or log stream of it ends
   * then); returns what forgets it (the stream ended first).
   */
  onEnd(close: () => void): () => void;
}

/**
 * The web page's sign-in (a back-end-for-front-end): the gateway runs the authorization code flow
 * with PKCE, keeps the provider's tokens server-side (sealed, see session-secrets.ts) and gives the
 * browser only an HttpOnly session cookie. Every request with the cookie is the person their
 * access token names, checked by the same TokenVerifier as a bearer token; an access token near
 * its end is refreshed from the server, and a session whose refresh is refused is over.
 */
export class WebSessions {
  private readonly signIn: OidcSignIn;
  /** Refreshes under way, by session: parallel requests share one (refresh tokens rotate). */
  private readonly refreshing = new Map<string, Promise<ProviderTokens | undefined>>();
  /** What ends with each session signed out (here or on another replica): its open streams. */
  private readonly closers = new Map<string, Set<() => void>>();
  private relay: (idHash: string) => void = () => {};

  constructor(
    private readonly store: SessionStore,
    private readonly verifier: TokenVerifier,
    private readonly config: WebConfig,
    auth: ConstructorParameters<typeof OidcSignIn>[0],
    private readonly log: FastifyBaseLogger,
  ) {
    this.signIn = new OidcSignIn(auth, config);
  }

  /** The origin browsers use: `publicUrl`'s, else the request's own. */
  origin(requestOrigin: string): string {
    return this.config.publicUrl ? new URL(this.config.publicUrl).origin : requestOrigin;
  }

  /** Starts a sign-in: the login cookie's token and where to send the browser. */
  async begin(
    returnTo: string,
    requestOrigin: string,
  ): Promise<{ loginToken: string; location: string; maxAgeSec: number }> {
    const loginToken = newToken();
    const checks = await OidcSignIn.newChecks();
    const redirectUri = `${this.origin(requestOrigin)}/auth/callback`;
    const location = await this.signIn.authorizationUrl(redirectUri, checks);
    const now = Date.now();
    const sealed: SealedLogin = { ...checks, returnTo, redirectUri };
    const kept = await this.store.addLogin(
      {
        idHash: tokenHash(loginToken),
        sealed: seal(loginToken, sealed),
        expires: new Date(now + LOGIN_TTL_SEC * 1000).toISOString(),
      },
      this.config.maxPendingLogins,
      new Date(now).toISOString(),
    );
    if (!kept) throw new TooManySignInsError();
    return { loginToken, location: location.href, maxAgeSec: LOGIN_TTL_SEC };
  }

  /**
   * Finishes a sign-in from the provider's redirect (`query`: the callback's query string): the
   * new session's cookie token and where the browser goes next. Throws {@link SignInFailedError}.
   */
  async finish(
    loginToken: string | undefined,
    query: string,
  ): Promise<{ sessionToken: string; returnTo: string }> {
    const now = new Date();
    const pending = loginToken
      ? await this.store.takeLogin(tokenHash(loginToken), now.toISOString())
      : undefined;
    const login =
      pending && loginToken ? unseal<SealedLogin>(loginToken, pending.sealed) : undefined;
    if (!login) {
      throw new SignInFailedError('login_expired', 'no sign-in under way in this browser');
    }
    const params = new URLSearchParams(query);
    const refused = params.get('error');
    if (refused) {
      throw new SignInFailedError(
        /^[a-z_]{1,64}$/.test(refused) ? refused : 'sign_in_refused',
        `the provider answered ${refused}`,
      );
    }
    let tokens: ProviderTokens;
    try {
      tokens = await this.signIn.exchange(new URL(`${login.redirectUri}?${query}`), login);
    } catch (err) {
      if (err instanceof SignInRefusedError) {
        throw new SignInFailedError('sign_in_refused', err.message);
      }
      if (err instanceof AuthUnavailableError) {
        throw new SignInFailedError('provider_unavailable', err.detail);
      }
      throw err;
    }
    const identity = await this.verify(tokens).catch((err: unknown) => {
      if (err instanceof AuthenticationError) {
        throw new SignInFailedError(
          'token_refused',
          `the access token was refused: ${err.message}`,
        );
      }
      if (err instanceof AuthUnavailableError) {
        throw new SignInFailedError('provider_unavailable', err.detail);
      }
      throw err;
    });
    const sessionToken = newToken();
    const at = now.toISOString();
    await this.store.addSession(
      {
        idHash: tokenHash(sessionToken),
        username: identity.username,
        sealed: seal(sessionToken, tokens),
        created: at,
        lastSeen: at,
        expires: new Date(now.getTime() + this.config.sessionMaxAgeSec * 1000).toISOString(),
      },
      this.config.maxSessionsPerUser,
    );
    this.log.info({ username: identity.username }, 'web sign-in');
    return { sessionToken, returnTo: login.returnTo };
  }

  /** The session's caller, or undefined when the cookie names no live session. */
  async identify(sessionToken: string): Promise<WebSession | undefined> {
    const idHash = tokenHash(sessionToken);
    const record = await this.store.getSession(idHash);
    if (!record) return undefined;
    const now = Date.now();
    const idleEnd = Date.parse(record.lastSeen) + this.config.sessionIdleSec * 1000;
    const tokens = unseal<ProviderTokens>(sessionToken, record.sealed);
    if (Date.parse(record.expires) <= now || idleEnd <= now || !tokens) {
      await this.store.deleteSession(idHash);
      return undefined;
    }
    const identity = await this.identityOf(record, sessionToken, tokens);
    if (!identity) return undefined;
    if (now - Date.parse(record.lastSeen) >= TOUCH_EVERY_MS) {
      await this.store.updateSession(idHash, { lastSeen: new Date(now).toISOString() });
    }
    return {
      identity,
      // Derived on demand: only unsafe calls and /auth/session need it.
      get csrfToken() {
        return csrfTokenFor(sessionToken);
      },
      expiresAt: record.expires,
      onEnd: (close) => this.onEnd(idHash, close),
    };
  }

  private onEnd(idHash: string, close: () => void): () => void {
    let set = this.closers.get(idHash);
    if (!set) {
      set = new Set();
      this.closers.set(idHash, set);
    }
    set.add(close);
    return () => {
      set.delete(close);
      if (set.size === 0 && this.closers.get(idHash) === set) this.closers.delete(idHash);
    };
  }

  /** Drops ended sessions and sign-ins never finished. */
  purge(): Promise<void> {
    return this.store.purgeExpired(new Date().toISOString());
  }

  /**
   * Ends the session here, whatever state it is in and whether or not the provider answers; the
   * provider's sign-out page to visit next, or null (none, or its metadata unreachable now).
   */
  async end(sessionToken: string, requestOrigin: string): Promise<string | null> {
    const idHash = tokenHash(sessionToken);
    await this.store.deleteSession(idHash);
    this.endedElsewhere(idHash);
    this.relay(idHash);
    return this.signIn.endSessionUrl(`${this.origin(requestOrigin)}/`);
  }

  /** Where a sign-out here is told besides this process (the other replicas). */
  relaySignOutsTo(relay: (idHash: string) => void): void {
    this.relay = relay;
  }

  /** The session (by its id's hash) was signed out, here or on another replica: its streams end. */
  endedElsewhere(idHash: string): void {
    for (const close of [...(this.closers.get(idHash) ?? [])]) close();
    this.closers.delete(idHash);
  }

  /** Ends the session a cookie names, if any (a new sign-in in the same browser). */
  async drop(sessionToken: string): Promise<void> {
    await this.store.deleteSession(tokenHash(sessionToken));
  }

  private async identityOf(
    record: WebSessionRecord,
    sessionToken: string,
    tokens: ProviderTokens,
  ): Promise<Identity | undefined> {
    try {
      return await this.verify(tokens);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
    }
    // The access token is refused (near its end, most often): refresh it, once for all requests.
    let refresh = this.refreshing.get(record.idHash);
    if (!refresh) {
      refresh = this.refreshed(record, sessionToken, tokens).finally(() =>
        this.refreshing.delete(record.idHash),
      );
      this.refreshing.set(record.idHash, refresh);
    }
    const fresh = await refresh;
    if (!fresh) return undefined;
    try {
      return await this.verify(fresh);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      // A fresh token refused for good (audience, owner claim): refreshing again would not help.
      this.log.warn({ username: record.username, reason: err.message }, 'web session ended');
      await this.store.deleteSession(record.idHash);
      return undefined;
    }
  }

  private async refreshed(
    record: WebSessionRecord,
    sessionToken: string,
    tokens: ProviderTokens,
  ): Promise<ProviderTokens | undefined> {
    try {
      const fresh = await this.signIn.refresh(tokens);
      await this.store.updateSession(record.idHash, {
        sealed: seal(sessionToken, fresh),
        lastSeen: new Date().toISOString(),
      });
      return fresh;
    } catch (err) {
      if (!(err instanceof SignInRefusedError)) throw err;
      // Another request (or gateway process) may have refreshed first and rotated the refresh
      // token this one used: then the session holds new tokens, and is not over.
      const now = await this.store.getSession(record.idHash);
      if (now && now.sealed !== record.sealed) {
        const theirs = unseal<ProviderTokens>(sessionToken, now.sealed);
        if (theirs) return theirs;
      }
      // The provider said no (revoked, expired): the session is over.
      this.log.info({ username: record.username, reason: err.message }, 'web session ended');
      await this.store.deleteSession(record.idHash);
      return undefined;
    }
  }

  private verify(tokens: ProviderTokens): Promise<Identity> {
    return this.verifier.verify(`Bearer ${tokens.accessToken}`);
  }
}
