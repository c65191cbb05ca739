import { useEffect, useState } from 'preact/hooks';

export type Route = { page: 'list' } | { page: 'job'; jobId: string } | { page: 'not-found' };

const JOB_PATH = /^\/jobs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

export function parseRoute(pathname: string): Route {
  // The gateway serves the page at /jobs too: the list.
  if (pathname === '/' || pathname === '' || pathname === '/jobs' || pathname === '/jobs/') {
    return { page: 'list' };
  }
  const m = JOB_PATH.exec(pathname);
  return m ? { page: 'job', jobId: (m[1] as string).toLowerCase() } : { page: 'not-found' };
}

export const jobHref = (id: string) => `/jobs/${id}`;

/**
 * Where a click on a link goes inside the page (path and query), or null when the browser
 * should follow it: another origin, a download, a new tab, or a path that is not a page of
 * this app (`/auth/login`, `/v3/…`).
 */
export function appLinkTarget(href: string, origin: string): string | null {
  let url: URL;
  try {
    url = new URL(href, origin);
  } catch {
    return null;
  }
  if (url.origin !== origin) return null;
  if (parseRoute(url.pathname).page === 'not-found') return null;
  return url.pathname + url.search;
}

const NAVIGATE = 'hpcgate:navigate';

export function navigate(to: string): void {
  if (to !== location.pathname + location.search) history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

export interface Location {
  pathname: string;
  search: string;
}

const here = (): Location => ({ pathname: location.pathname, search: location.search });

/** The current location, re-read on pushState (ours) and popstate (back, forward). */
export function useLocation(): Location {
  const [loc, setLoc] = useState(here);
  useEffect(() => {
    const update = () => setLoc(here());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return loc;
}

/** Same-origin links to the app's pages change the page without a reload. */
export function interceptLinks(root: Document = document): () => void {
  const onClick = (ev: MouseEvent) => {
    if (ev.defaultPrevented || ev.button !== 0) return;
    if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest?.('a');
    if (!a || a.hasAttribute('download')) return;
    if (a.target && a.target !== '_self') return;
    const to = appLinkTarget(a.href, location.origin);
    if (to === null) return;
    ev.preventDefault();
    navigate(to);
  };
  root.addEventListener('click', onClick);
  return () => root.removeEventListener('click', onClick);
}
