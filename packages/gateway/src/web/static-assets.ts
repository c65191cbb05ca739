import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt', '.map']);
/** The built page is a few files of some KB; anything this big is not the page. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MAX_FILES = 500;

/** One file of the page, read once, with its compressed forms. */
export interface Asset {
  type: string;
  etag: string;
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  /** A name with a content hash (Vite's `assets/`): cached for a year. */
  immutable: boolean;
}

/**
 * The built web page, read into memory at boot (a few files): no file is opened per request, no
 * path from a request reaches the file system, and each file is compressed once.
 */
export class StaticAssets {
  private readonly files = new Map<string, Asset>();

  constructor(dir: string) {
    for (const path of walk(dir)) {
      const body = readFileSync(path);
      const ext = extname(path);
      const name = `/${relative(dir, path).split(sep).join('/')}`;
      const compress = COMPRESSIBLE.has(ext) && body.length > 512;
      this.files.set(name, {
        type: TYPES[ext] ?? 'application/octet-stream',
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
        body,
        ...(compress && { gzip: gzipSync(body, { level: 9 }), br: brotliCompressSync(body) }),
        immutable: name.startsWith('/assets/'),
      });
    }
    if (!this.files.has('/index.html')) {
      throw new Error(
        `the web page is not built: no index.html in ${dir} (npm run build -w @hpcgate/web)`,
      );
    }
  }

  /** The page's entry document, served for every route of the page. */
  get index(): Asset {
    return this.files.get('/index.html')!;
  }

  /** A file by its URL path (`/assets/index-3f2a.js`), or undefined. */
  get(path: string): Asset | undefined {
    return this.files.get(path);
  }

  /** Every path served, for routes and tests. */
  paths(): string[] {
    return [...this.files.keys()];
  }
}

function* walk(dir: string): Generator<string> {
  let count = 0;
  const stack = [dir];
  while (stack.length) {
    const current = stack.pop()!;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) stack.push(path);
      else if (entry.isFile()) {
        if (++count > MAX_FILES) throw new Error(`more than ${MAX_FILES} files in ${dir}`);
        if (statSync(path).size > MAX_FILE_BYTES)
          throw new Error(`${path} is too big for the page`);
        yield path;
      }
    }
  }
}

/** The best encoding the client accepts among those the asset has. */
export function pickEncoding(
  asset: Asset,
  acceptEncoding: string | undefined,
): 'br' | 'gzip' | null {
  const accepted = (acceptEncoding ?? '')
    .split(',')
    .map((part) => part.trim().split(';'))
    .filter(([, q]) => q === undefined || !/^\s*q=0(\.0*)?\s*$/.test(q))
    .map(([name]) => name?.trim().toLowerCase());
  if (asset.br && accepted.includes('br')) return 'br';
  if (asset.gzip && accepted.includes('gzip')) return 'gzip';
  return null;
}
