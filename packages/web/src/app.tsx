import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from './api/client.js';
import { loadSession, onSignedOut, type Session, signOut } from './api/session.js';
import { Alert } from './components/alert.js';
import { Header } from './components/header.js';
import { SignedOut } from './components/signed-out.js';
import { JobList } from './pages/job-list.js';
import { JobPage } from './pages/job-page.js';
import { parseRoute, useLocation } from './router.js';

type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed-in'; session: Session; error?: string }
  | { kind: 'leaving'; session: Session }
  | { kind: 'signed-out'; error: string | null };

export function App() {
  const location = useLocation();
  const [state, setState] = useState<SessionState>({ kind: 'loading' });

  useEffect(() => {
    loadSession().then(
      (session) =>
        setState(session ? { kind: 'signed-in', session } : { kind: 'signed-out', error: null }),
      (err) => setState({ kind: 'signed-out', error: errorMessage(err) }),
    );
    // Any 401 later (the session expired): back to the sign-in link; unmounting closes streams.
    return onSignedOut(() => setState({ kind: 'signed-out', error: null }));
  }, []);

  if (state.kind === 'loading') return <p class="muted loading">Loading…</p>;
  if (state.kind === 'signed-out') return <SignedOut location={location} error={state.error} />;
  if (state.kind === 'leaving') return <p class="muted loading">Signing out…</p>;

  const { session } = state;
  const leave = () => {
    // The pages go first, and their streams with them: nothing of theirs meets the ended session.
    setState({ kind: 'leaving', session });
    signOut().catch((err) => setState({ kind: 'signed-in', session, error: errorMessage(err) }));
  };

  const route = parseRoute(location.pathname);
  return (
    <>
      <Header session={session} onSignOut={leave} />
      <main id="main" tabIndex={-1}>
        <Alert message={state.error} />
        {route.page === 'list' ? <JobList session={session} search={location.search} /> : null}
        {route.page === 'job' ? <JobPage key={route.jobId} jobId={route.jobId} /> : null}
        {route.page === 'not-found' ? (
          <>
            <h1>Page not found</h1>
            <p>This address is not a page of hpcgate.</p>
          </>
        ) : null}
      </main>
    </>
  );
}
