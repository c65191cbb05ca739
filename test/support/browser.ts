/// <reference lib="dom" />
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Request,
} from 'playwright-core';

/** Debian's chromium, installed by scripts/ensure-browser.sh; never a downloaded build. */
export const CHROMIUM = '/usr/bin/chromium';
export const VIEWPORT = { width: 1280, height: 800 };

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `$HPCGATE_TEST_LOG_DIR/screenshots` (scripts/test.sh sets it), else `.hpcgate/test-logs/…`. */
export function screenshotDir(): string {
  const base = process.env.HPCGATE_TEST_LOG_DIR ?? '.hpcgate/test-logs';
  const dir = join(isAbsolute(base) ? base : join(repoRoot, base), 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const README_SCREENSHOT = join(repoRoot, 'docs/images/job-page.png');

/**
 * Launches the system's chromium headless. A machine without it fails here with the reason (a
 * browser test must never be skipped for want of a browser).
 */
export async function launchBrowser(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  } catch (err) {
    throw new Error(
      `Cannot launch the browser for the web tests (${CHROMIUM}): ${(err as Error).message}\n` +
        'As root, `bash scripts/ensure-browser.sh` installs Debian’s chromium (npm test does).',
    );
  }
}

/** Something that went wrong in a page: each test asserts there was none it did not expect. */
export interface Problem {
  kind: 'console' | 'pageerror' | 'requestfailed' | 'http' | 'csp';
  text: string;
  url?: string;
}

/** An answer a test provokes on purpose, e.g. the 401 of `/auth/session` while signed out. */
export interface Expected {
  status: number;
  /** Matched against the URL's path and query. */
  path: RegExp;
  method?: string;
  /** Only on this origin (default: any). */
  origin?: string;
}

interface SeenResponse {
  method: string;
  url: string;
  status: number;
}

/**
 * A browser context (its own cookies) whose pages are watched: console errors, uncaught
 * exceptions, failed requests, HTTP answers ≥ 400 and CSP violations (the `securitypolicyviolation`
 * event, and Chromium's "Refused to …" console messages).
 */
export class WatchedContext {
  private readonly raw: Problem[] = [];
  private readonly responses: SeenResponse[] = [];
  private readonly expected: Expected[] = [];

  private constructor(readonly context: BrowserContext) {}

  static async create(browser: Browser): Promise<WatchedContext> {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const watched = new WatchedContext(context);
    // A binding (CDP), not a page script: it works whatever the page's CSP allows.
    await context.exposeBinding('__hpcgateCspViolation', (source, v: Record<string, string>) => {
      watched.raw.push({
        kind: 'csp',
        text: `CSP ${v.directive}: blocked ${v.blocked || '(inline)'} ${v.sample ?? ''}`.trim(),
        url: source.page?.url() ?? v.documentURI,
      });
    });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const report = (window as unknown as { __hpcgateCspViolation?: (v: unknown) => void })
          .__hpcgateCspViolation;
        report?.({
          directive: e.violatedDirective,
          blocked: e.blockedURI,
          sample: e.sample,
          documentURI: e.documentURI,
        });
      });
    });
    context.on('page', (page) => watched.watch(page));
    return watched;
  }

  /** Answers the test provokes; everything else ≥ 400 is a problem. */
  expect(...answers: Expected[]): void {
    this.expected.push(...answers);
  }

  async newPage(): Promise<Page> {
    return this.context.newPage();
  }

  private watch(page: Page): void {
    page.on('console', (msg) => {
      const text = msg.text();
      // "Refused to …" (older Chromium), "Executing inline script violates the following
      // Content Security Policy directive …" (newer).
      if (text.startsWith('Refused to') || text.includes('Content Security Policy')) {
        this.raw.push({ kind: 'csp', text, url: msg.location().url });
      } else if (msg.type() === 'error') {
        this.raw.push({ kind: 'console', text, url: msg.location().url });
      }
    });
    page.on('pageerror', (err) => {
      this.raw.push({ kind: 'pageerror', text: err.stack ?? err.message, url: page.url() });
    });
    // Which main-frame navigation each request was issued under: one aborted by a later
    // navigation (the test going to another page) was left, not failed.
    let navigations = 0;
    const issuedUnder = new WeakMap<Request, number>();
    page.on('request', (req) => {
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) navigations++;
      issuedUnder.set(req, navigations);
    });
    page.on('requestfailed', (req) => {
      const error = req.failure()?.errorText ?? 'failed';
      const leftBehind =
        error === 'net::ERR_ABORTED' &&
        !req.isNavigationRequest() &&
        (issuedUnder.get(req) ?? navigations) < navigations;
      // The page closing a stream it is done with (a log it switches away from, a job that
      // ended): EventSource.close() shows as an aborted request too.
      const closedStream =
        error === 'net::ERR_ABORTED' && /\/(events|logs)$/.test(new URL(req.url()).pathname);
      if (leftBehind || closedStream) return;
      this.raw.push({
        kind: 'requestfailed',
        text: `${req.method()} ${req.url()}: ${error} (${req.resourceType()})`,
        url: req.url(),
      });
    });
    page.on('response', (res) => {
      if (res.status() >= 400) {
        this.responses.push({
          method: res.request().method(),
          url: res.url(),
          status: res.status(),
        });
      }
    });
  }

  private isExpected(r: { url: string; status: number; method?: string }): boolean {
    const u = new URL(r.url);
    return this.expected.some(
      (e) =>
        e.status === r.status &&
        e.path.test(`${u.pathname}${u.search}`) &&
        (e.origin === undefined || e.origin === u.origin) &&
        (e.method === undefined || e.method === r.method),
    );
  }

  /**
   * Everything that went wrong and was not expected. Chromium logs every answer ≥ 400 as a
   * console error ("Failed to load resource: … status of 401"), naming the URL: such a line
   * counts as its answer does. Requests aborted by a later navigation, and event or log
   * streams the page closed, are not counted (see `watch`).
   */
  problems(): Problem[] {
    const out: Problem[] = [];
    for (const r of this.responses) {
      if (!this.isExpected(r)) {
        out.push({ kind: 'http', text: `${r.method} ${r.url} → ${r.status}`, url: r.url });
      }
    }
    for (const p of this.raw) {
      if (p.kind === 'console' && p.text.startsWith('Failed to load resource') && p.url) {
        // Counted once, as its answer (an `http` problem unless expected)…
        if (this.responses.some((r) => r.url === p.url)) continue;
        // …or, for a request the page's network events never showed (the browser's own
        // favicon request), by the status the message names.
        const status = Number(/status of (\d{3})/.exec(p.text)?.[1]);
        if (status && this.isExpected({ url: p.url, status })) continue;
      }
      out.push(p);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}

/**
 * Signs `username` in the way a person does: the page's "Sign in" link, the provider's own
 * login form (password = username for the demo users), and back to the page, signed in.
 * The page asks `/auth/session` while signed out first: that 401 is expected.
 */
export async function signIn(
  watched: WatchedContext,
  opts: { gatewayUrl: string; issuer: string; username: string; password?: string; path?: string },
): Promise<Page> {
  const gateway = new URL(opts.gatewayUrl).origin;
  const provider = new URL(opts.issuer).origin;
  watched.expect(
    { status: 401, path: /^\/auth\/session$/, method: 'GET', origin: gateway },
    // The provider serves no icon; the browser asks for one on its login page.
    { status: 404, path: /^\/favicon\.ico$/, origin: provider },
  );
  const page = await watched.newPage();
  await page.goto(`${gateway}${opts.path ?? '/'}`);
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.origin === provider && u.pathname.startsWith('/interaction/'), {
    timeout: 15_000,
  });
  await page.locator('input[name="username"]').fill(opts.username);
  await page.locator('input[name="password"]').fill(opts.password ?? opts.username);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.origin === gateway && !u.pathname.startsWith('/auth/'), {
    timeout: 15_000,
  });
  await page.getByTestId('whoami').waitFor({ timeout: 15_000 });
  return page;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Waits until the element reads `expected` (a string: exactly that, whitespace normalised as
 * Playwright reads text; a RegExp: a match), then returns its text as the DOM holds it. A
 * timeout says what it read instead.
 */
export async function waitForText(
  locator: Locator,
  expected: string | RegExp,
  timeout = 30_000,
): Promise<string> {
  const re =
    typeof expected === 'string' ? new RegExp(`^\\s*${escapeRegExp(expected)}\\s*$`) : expected;
  try {
    await locator.filter({ hasText: re }).first().waitFor({ timeout });
  } catch {
    const now = await locator.allTextContents().catch((e: Error) => [`(unreadable: ${e.message})`]);
    throw new Error(
      `waited ${timeout} ms for ${String(locator)} to read ${String(re)}; it reads ${JSON.stringify(now)}`,
    );
  }
  return (await locator.first().textContent()) ?? '';
}
