import { signInHref } from '../api/session.js';
import type { Location } from '../router.js';
import { Alert } from './alert.js';

/** Nobody is signed in: only the way in (and why the last attempt failed, if it did). */
export function SignedOut({ location, error }: { location: Location; error: string | null }) {
  const failed = new URLSearchParams(location.search).get('signInError');
  return (
    <main id="main" class="signed-out" tabIndex={-1}>
      <h1>hpcgate</h1>
      {failed ? <Alert message={`Sign-in failed: ${failed}`} /> : null}
      <Alert message={error} />
      <p>
        <a class="button" href={signInHref(location.pathname, location.search)}>
          Sign in
        </a>
      </p>
    </main>
  );
}
