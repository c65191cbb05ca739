/**
 * A scripted browser for the sign-in tests: fetch with a cookie jar per origin, following
 * redirects by hand (across the gateway and the provider) so that every Set-Cookie is seen, and
 * sending `Sec-Fetch-Site`/`Origin` as a browser would for same-origin calls.
 */
export class BrowserSession {
  /** origin → name → { value, attributes } */
  readonly jars = new Map<string, Map<string, { value: string; attrs: string[] }>>();

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(url, { method: 'GET', headers });
  }

  async request(url: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
    const target = new URL(url);
    const jar = this.jar(target.origin);
    const headers = new Headers(init.headers);
    if (jar.size) {
      headers.set('cookie', [...jar].map(([n, c]) => `${n}=${c.value}`).join('; '));
    }
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(target.origin, line);
    return res;
  }

  /** Follows redirects from `res` (any origin) up to `max` hops; the last response. */
  async follow(res: Response, from: string, max = 12): Promise<{ res: Response; url: string }> {
    let current = res;
    let url = from;
    for (let hop = 0; hop < max && current.status >= 300 && current.status < 400; hop++) {
      const location = current.headers.get('location');
      if (!location) break;
      await current.body?.cancel();
      url = new URL(location, url).href;
      current = await this.get(url);
    }
    return { res: current, url };
  }

  cookie(origin: string, name: string): { value: string; attrs: string[] } | undefined {
    return this.jar(origin).get(name);
  }

  private jar(origin: string) {
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new Map();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  private store(origin: string, line: string): void {
    const [pair = '', ...rest] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const attrs = rest.map((a) => a.trim());
    const expired = attrs.some((a) => /^max-age=\s*0$/i.test(a));
    if (expired || value === '') this.jar(origin).delete(name);
    else this.jar(origin).set(name, { value, attrs });
  }
}
