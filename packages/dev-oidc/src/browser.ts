// A tiny scripted "browser": plain fetch plus a cookie jar, following redirects by hand so
// the cookies the provider sets on each hop are kept.

export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly origin: string) {}

  async get(path: string): Promise<Response> {
    return this.request(path, { method: 'GET' });
  }

  async postForm(path: string, form: Record<string, string>): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows 3xx Location headers on this origin, up to `max` hops; returns the last response. */
  async follow(res: Response, max = 10): Promise<Response> {
    let current = res;
    for (let hop = 0; hop < max && isRedirect(current.status); hop++) {
      const location = current.headers.get('location');
      if (!location) break;
      await current.body?.cancel();
      current = await this.get(location);
    }
    return current;
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    const url = new URL(path, this.origin);
    if (url.origin !== new URL(this.origin).origin) {
      throw new Error(`refusing to leave the provider: ${url.href}`);
    }
    const headers = new Headers(init.headers);
    if (this.cookies.size) {
      headers.set(
        'cookie',
        [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      );
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(line);
    return res;
  }

  // Paths are ignored: every cookie goes to every request, which the provider tolerates.
  private store(line: string): void {
    const [pair = '', ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => {
      const [k = '', v = ''] = a.split('=');
      const key = k.trim().toLowerCase();
      return (
        (key === 'expires' && Date.parse(v) <= Date.now()) || (key === 'max-age' && Number(v) <= 0)
      );
    });
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

export function isRedirect(status: number): boolean {
  return status >= 300 && status < 400;
}
