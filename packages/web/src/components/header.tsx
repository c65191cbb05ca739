import type { Session } from '../api/session.js';

/** Who is signed in, the way home, and the way out. */
export function Header({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  return (
    <header class="top">
      <span class="brand">hpcgate</span>
      <nav aria-label="Main">
        <a href="/">Jobs</a>
      </nav>
      <span class="who">
        Signed in as <span data-testid="whoami">{session.username}</span>
        {session.isAdmin ? <span class="tag"> (admin)</span> : null}
      </span>
      <button type="button" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
