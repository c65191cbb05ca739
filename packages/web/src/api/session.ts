import { ApiError, createClient } from './client.js';

/** `GET /auth/session`: who is signed in. The page never sees a token, only this. */
export interface Session {
  username: string;
  isAdmin: boolean;
  csrfToken: string;
  expiresAt: string;
}

let csrfToken: string | null = null;
const signedOutListeners = new Set<() => void>();

/** The one client of the page: the session cookie goes by itself, the CSRF token from here. */
export const api = createClient({
  fetch: (input, init) => fetch(input, init),
  csrfToken: () => csrfToken,
  onUnauthorized: () => {
    csrfToken = null;
    for (const listener of signedOutListeners) listener();
  },
});

/** Calls `listener` whenever a call meets 401; returns the unsubscribe. */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

/** The session, or null when nobody is signed in. */
export async function loadSession(): Promise<Session | null> {
  try {
    const session = await api.get<Session>('/auth/session');
    csrfToken = session.csrfToken;
    return session;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/**
 * A stream was refused (EventSource cannot say why): if the session is over, the 401 of this
 * read turns the page to its signed-out state; otherwise nothing changes.
 */
export function recheckSession(): void {
  loadSession().catch(() => {});
}

/** Ends the gateway's session, then leaves for the identity provider's sign-out (or home). */
export async function signOut(): Promise<void> {
  const { endSessionUrl } = await api.post<{ endSessionUrl: string | null }>('/auth/logout');
  csrfToken = null;
  location.assign(safeRedirect(endSessionUrl, location.origin));
}

/** Only an http(s) URL is followed; anything else (say `javascript:`) goes home instead. */
export function safeRedirect(url: string | null, origin: string): string {
  if (!url) return '/';
  try {
    const parsed = new URL(url, origin);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : '/';
  } catch {
    return '/';
  }
}

/** The sign-in link: back to this page afterwards, without a previous sign-in error. */
export function signInHref(pathname: string, search: string): string {
  const params = new URLSearchParams(search);
  let query = search.replace(/^\?/, '');
  if (params.has('signInError')) {
    params.delete('signInError');
    query = params.toString();
  }
  const returnTo = pathname.startsWith('/') ? pathname + (query ? `?${query}` : '') : '/';
  return `/auth/login?returnTo=${encodeURIComponent(returnTo)}`;
}
