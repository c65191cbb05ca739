/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConflictError, type Job, type SubmitJobRequest } from '@hpcgate/sdk';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  type Problem,
  README_SCREENSHOT,
  screenshotDir,
  signIn,
  WatchedContext,
  waitForText,
} from '../support/browser.js';
import { readClusterEnv } from '../support/cluster-env.js';
import { TestSsh } from '../support/ssh.js';
import { startWebGateway, WEB_ACCOUNTS, type WebGateway } from '../support/web-gateway.js';

// The web page in a real browser (Debian's chromium through playwright-core), served by a real
// gateway in this process, signed in through the dev OIDC provider's own login form, with jobs on
// the real sandbox cluster. Every test fails on any console error, uncaught exception, failed
// request, CSP violation or error answer it did not provoke itself (afterEach).
const env = readClusterEnv();
const logDir = process.env.HPCGATE_TEST_LOG_DIR ?? mkdtempSync(join(tmpdir(), 'hpcgate-web-log-'));
let gw: WebGateway;
let browser: Browser;
let aliceSsh: TestSsh;
let aliceHeld: Job;
let bobHeld: Job;
const contexts: WatchedContext[] = [];

const STOP_BUTTONS = ['Cancel', 'Interrupt', 'Force stop', 'Terminate', 'Drain'];
const TERMINAL = ['FINISHED', 'FAILED', 'CANCELLED'] as const;
const unique = randomUUID().slice(0, 8);
/** A job that Slurm keeps PENDING (held) until it is stopped: no CPU, no time limit to race. */
const HELD = '#!/bin/bash\n#SBATCH --hold\nsleep 30\n';

beforeAll(async () => {
  browser = await launchBrowser();
  gw = await startWebGateway(env, {
    logLevel: 'info',
    logFile: join(logDir, `web-gateway-${process.pid}.log`),
  });
  aliceSsh = await TestSsh.connect(env, WEB_ACCOUNTS.alice);
  // alice's and bob's jobs, held in Slurm's queue for the whole file: the sign-in, the admin's
  // list, the CSRF check and the keyboard test use them.
  [aliceHeld, bobHeld] = await Promise.all([
    submit('alice', { name: `web-alice-${unique}`, script: HELD }),
    submit('bob', { name: `web-bob-${unique}`, script: HELD }),
  ]);
  await Promise.all([
    waitFor('alice', aliceHeld.id, ['PENDING']),
    waitFor('bob', bobHeld.id, ['PENDING']),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await browser?.close();
  aliceSsh?.close();
  await gw?.close();
}, 90_000);

// Each test's own browser contexts: closed after it, and whatever went wrong in their pages fails it.
afterEach(async (ctx) => {
  const failed = ctx.task.result?.state === 'fail';
  const problems: Problem[] = [];
  for (const c of contexts.splice(0)) {
    if (failed) {
      const dir = screenshotDir();
      for (const [i, page] of c.context.pages().entries()) {
        const name = `failed-${ctx.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}-${i}.png`;
        await page.screenshot({ path: join(dir, name), fullPage: true }).catch(() => {});
      }
    }
    problems.push(...c.problems());
    await c.close();
  }
  expect(
    problems.map((p) => `${p.kind}: ${p.text}${p.url ? ` (at ${p.url})` : ''}`),
    'console errors, page errors, failed requests or CSP violations',
  ).toEqual([]);
});

async function newContext(): Promise<WatchedContext> {
  const c = await WatchedContext.create(browser);
  contexts.push(c);
  return c;
}

async function signedIn(username: string, path = '/'): Promise<{ c: WatchedContext; page: Page }> {
  const c = await newContext();
  const page = await signIn(c, { gatewayUrl: gw.url, issuer: gw.op.issuer, username, path });
  expect((await page.getByTestId('whoami').textContent())?.trim()).toBe(username);
  return { c, page };
}

async function submit(
  username: string,
  body: Omit<SubmitJobRequest, 'execSystemId'>,
): Promise<Job> {
  const job = await gw.sdk(username).jobs.submitJob({ execSystemId: env.cluster, ...body });
  return gw.track(username, job);
}

function waitFor(username: string, jobId: string, until: Job['status'][], timeoutMs = 30_000) {
  return gw.sdk(username).jobs.waitForJob({ jobId, until, timeoutMs });
}

const row = (page: Page, jobId: string) =>
  page.locator(`tr[data-testid="job-row"][data-job-id="${jobId}"]`);
const stopButtons = (page: Page) =>
  page.getByRole('button', { name: new RegExp(`^(${STOP_BUTTONS.join('|')})$`) });

/** Slurm's own word for a job, as the job's account sees it (`squeue -t all` keeps ended jobs). */
async function slurmState(remoteJobId: string): Promise<string> {
  return (await aliceSsh.run(`squeue -h -j ${Number(remoteJobId)} -t all -o %T`)).trim();
}

/** Waits until Slurm says the job is over (not PENDING, RUNNING, COMPLETING…); returns its state. */
async function slurmEnded(remoteJobId: string, timeoutMs = 30_000): Promise<string> {
  const active = ['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING', 'SUSPENDED', 'REQUEUED'];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await slurmState(remoteJobId);
    if (state && !active.includes(state)) return state;
    if (Date.now() > deadline) {
      throw new Error(
        `Slurm job ${remoteJobId} still ${state || '(not listed)'} after ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens a stop dialog from its button and checks the parts every stop dialog has. */
async function openStopDialog(page: Page, label: string, word: string) {
  await page.getByRole('button', { name: label, exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `${label} job` });
  await dialog.waitFor({ timeout: 10_000 });
  const input = dialog.getByLabel(`Type ${word} to confirm`, { exact: true });
  const confirm = dialog.getByRole('button', { name: label, exact: true });
  await input.waitFor();
  expect(await confirm.isDisabled(), `"${label}" is disabled before the word is typed`).toBe(true);
  // It says what the mode does, in one sentence.
  const sentences = (await dialog.locator('p').allTextContents()).filter((t) =>
    /^[A-Z][^.!?]*\.$/.test(t.trim()),
  );
  expect(sentences.length, 'a one-sentence description in the dialog').toBeGreaterThan(0);
  expect(await dialog.getByRole('button', { name: 'Close', exact: true }).count()).toBe(1);
  return { dialog, input, confirm };
}

/** Types the confirming word after wrong ones (each leaves the button disabled), then confirms. */
async function confirmStop(input: Locator, confirm: Locator, word: string): Promise<void> {
  for (const wrong of [word.slice(0, -1), word.toUpperCase(), `${word} `, ` ${word}`, 'yes']) {
    await input.fill(wrong);
    expect(await confirm.isDisabled(), `"${wrong}" must not enable the stop`).toBe(true);
  }
  await input.fill(word);
  expect(await confirm.isEnabled(), `"${word}" enables the stop`).toBe(true);
  await confirm.click();
}

async function openJobPage(page: Page, job: Job, status: string): Promise<void> {
  await page.goto(`${gw.url}/jobs/${job.id}`);
  expect(await waitForText(page.locator('h1'), job.name)).toBe(job.name);
  expect(await waitForText(page.getByTestId('job-status'), status)).toBe(status);
}

/** The stop buttons the page shows, sorted in the contract's order. */
async function shownStopButtons(page: Page): Promise<string[]> {
  const shown = (await stopButtons(page).allTextContents()).map((t) => t.trim());
  return shown.sort((a, b) => STOP_BUTTONS.indexOf(a) - STOP_BUTTONS.indexOf(b));
}

async function expectNoStopButtons(page: Page): Promise<void> {
  expect(await stopButtons(page).allTextContents(), 'stop buttons on a terminal job').toEqual([]);
}

describe('signing in and out', () => {
  it('through the provider’s login form: alice sees her jobs only; the session cookie is HttpOnly; signing out ends it', async () => {
    const { c, page } = await signedIn('alice');

    // Her job, not bob's, and no Owner column or control: she is no admin.
    await row(page, aliceHeld.id).waitFor({ timeout: 15_000 });
    expect(await waitForText(row(page, aliceHeld.id).getByTestId('status'), 'PENDING')).toBe(
      'PENDING',
    );
    expect(
      await row(page, aliceHeld.id)
        .getByRole('link', { name: aliceHeld.name })
        .getAttribute('href'),
    ).toBe(`/jobs/${aliceHeld.id}`);
    expect(
      await row(page, aliceHeld.id)
        .getByRole('checkbox', { name: `Select ${aliceHeld.name}` })
        .count(),
    ).toBe(1);
    expect(await row(page, aliceHeld.id).textContent()).toContain(env.cluster);
    await page.getByTestId('job-count').waitFor();
    expect(await row(page, bobHeld.id).count()).toBe(0);
    const table = page.getByRole('table', { name: 'Jobs' });
    expect(await table.getByRole('columnheader', { name: 'Owner' }).count()).toBe(0);
    expect(await page.getByLabel('Owner', { exact: true }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Jobs', exact: true }).count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Sign out', exact: true }).count()).toBe(1);
    const statuses = await page
      .getByLabel('Status', { exact: true })
      .locator('option')
      .allTextContents();
    expect(statuses.map((s) => s.trim())).toEqual(
      expect.arrayContaining([
        'Any',
        'Active',
        'Ended',
        'PROCESSING_INPUTS',
        'PENDING',
        'RUNNING',
        'CANCELLED',
        'FINISHED',
        'FAILED',
      ]),
    );

    // The session cookie: HttpOnly, Secure, SameSite, host-only; out of reach of the page's scripts.
    const cookies = await c.context.cookies(gw.url);
    const session = cookies.find((k) => k.name === '__Host-hpcgate-session');
    expect(session, `cookies set: ${cookies.map((k) => k.name).join(', ')}`).toBeDefined();
    // A session cookie (expires -1: it ends with the browser), host-only as `__Host-` demands.
    expect(session).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/',
      domain: '127.0.0.1',
      expires: -1,
    });
    const documentCookie = await page.evaluate(() => document.cookie);
    expect(documentCookie.includes('__Host-hpcgate-session')).toBe(false);
    expect(documentCookie.includes(session!.value)).toBe(false);
    const who = await page.evaluate(async () => {
      const r = await fetch('/auth/session');
      return { status: r.status, body: await r.text() };
    });
    expect(who.status).toBe(200);
    expect(who.body).toContain('alice');
    // No token reaches the page's scripts (asserted as a boolean: a token is never printed).
    expect(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(who.body), 'a JWT in /auth/session').toBe(false);

    // Signing out ends the session on the gateway at once, not only in this browser: the old
    // cookie, replayed, is refused while the provider still asks whether to end its own session.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    const provider = new URL(gw.op.issuer).origin;
    await page.waitForURL((u) => u.origin === provider, { timeout: 15_000 });
    const replayed = await fetch(`${gw.url}/auth/session`, {
      headers: { cookie: `${session!.name}=${session!.value}` },
    });
    await replayed.body?.cancel();
    expect(replayed.status, 'the old session cookie after sign-out').toBe(401);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor({ timeout: 15_000 });
    expect(new URL(page.url()).origin).toBe(new URL(gw.url).origin);
    const after = await page.evaluate(async () => (await fetch('/auth/session')).status);
    expect(after).toBe(401);
    expect(await row(page, aliceHeld.id).count()).toBe(0);
  }, 60_000);
});

describe('live updates', () => {
  it('a job submitted through the SDK appears in the open list without a reload, turns RUNNING, and its log lines reach the job page’s tail', async () => {
    const { page } = await signedIn('alice');
    await page.getByTestId('job-count').waitFor();
    await page.evaluate(() => {
      (window as unknown as { __notReloaded: string }).__notReloaded = 'still here';
    });

    // Line 2 is written only once the test says so (a file in the job's directory), after the
    // page already shows line 1: it can only reach the page by the live tail.
    const job = await submit('alice', {
      name: `web-live-${unique}`,
      command:
        'echo web-line-1; echo web-err-1 >&2; while [ ! -e go ]; do sleep 0.2; done; echo web-line-2',
    });
    await row(page, job.id).waitFor({ timeout: 15_000 });
    expect(await waitForText(row(page, job.id).getByTestId('status'), 'RUNNING')).toBe('RUNNING');
    expect(
      await page.evaluate(() => (window as unknown as { __notReloaded?: string }).__notReloaded),
    ).toBe('still here');

    await row(page, job.id).getByRole('link', { name: job.name }).click();
    await page.waitForURL(`${gw.url}/jobs/${job.id}`);
    expect(await waitForText(page.getByTestId('job-status'), 'RUNNING')).toBe('RUNNING');
    const log = page.locator('pre[data-testid="log"]');
    await waitForText(log, /web-line-1/);
    expect(await log.textContent()).not.toContain('web-line-2');
    const running = await waitFor('alice', job.id, ['RUNNING']);
    await aliceSsh.run(`touch ~/hpcgate/jobs/${job.id}/go`);
    await waitForText(log, /web-line-2/);
    expect(await log.textContent()).toMatch(/web-line-1\n+web-line-2/);
    expect(await waitForText(page.getByTestId('job-status'), 'FINISHED')).toBe('FINISHED');
    expect(await slurmEnded(running.remoteJobId!)).toBe('COMPLETED');
    await expectNoStopButtons(page);
    expect(await waitForText(page.getByTestId('exit-code'), '0')).toBe('0');
    expect(await waitForText(page.getByTestId('remote-state'), 'COMPLETED')).toBe('COMPLETED');
    const history = page.locator('ol[data-testid="history"]');
    await waitForText(history, /FINISHED/);
    expect(await history.textContent()).toMatch(/RUNNING[\s\S]*FINISHED/);

    // The other stream, and the job's files with links that download them.
    await page.getByRole('button', { name: 'stderr', exact: true }).click();
    await waitForText(log, /web-err-1/);
    expect(await log.textContent()).not.toContain('web-line-1');
    await page.getByRole('button', { name: 'Refresh files', exact: true }).click();
    const stdoutLink = page.locator('table[data-testid="outputs"]').getByRole('link', {
      name: 'stdout',
      exact: true,
    });
    await stdoutLink.waitFor({ timeout: 15_000 });
    const href = await stdoutLink.getAttribute('href');
    const downloaded = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(downloaded).toBe('web-line-1\nweb-line-2\n');
  }, 60_000);
});

describe('stopping one job from its page', () => {
  const jobs: Record<'interrupt' | 'force' | 'terminate' | 'pending' | 'stale' | 'phased', Job> =
    {} as never;
  beforeAll(async () => {
    const [interrupt, force, terminate, pending, stale, phased] = await Promise.all([
      submit('alice', {
        name: `web-interrupt-${unique}`,
        command: "trap 'echo got-int' INT; echo ready; while true; do sleep 1; done",
      }),
      submit('alice', {
        name: `web-force-${unique}`,
        command: "trap '' TERM; echo ready; while true; do sleep 1; done",
      }),
      submit('alice', {
        name: `web-terminate-${unique}`,
        command: 'echo ready; while true; do sleep 1; done',
      }),
      submit('alice', { name: `web-pending-${unique}`, script: HELD }),
      submit('alice', { name: `web-stale-${unique}`, script: HELD }),
      // The first phase runs until the test says so (a file in the job directory).
      submit('alice', {
        name: `web-phased-${unique}`,
        phases: [
          { name: 'prepare', command: 'echo prepare; while [ ! -e go ]; do sleep 0.2; done' },
          { name: 'train', command: 'echo train' },
        ],
      }),
    ]);
    Object.assign(jobs, { interrupt, force, terminate, pending, stale, phased });
    await Promise.all([
      ...[interrupt, force, terminate, phased].map((j) => waitFor('alice', j.id, ['RUNNING'])),
      ...[pending, stale].map((j) => waitFor('alice', j.id, ['PENDING'])),
    ]);
  });

  it('interrupt: confirm only with the exact word; the job stays RUNNING, the notice says so, the trap’s line reaches the log', async () => {
    const { page } = await signedIn('alice');
    const job = jobs.interrupt;
    await openJobPage(page, job, 'RUNNING');
    const log = page.locator('pre[data-testid="log"]');
    await waitForText(log, /ready/); // the trap is set
    // The contract: Interrupt, Force stop and Terminate while it runs; Drain only with parts.
    expect.soft(await shownStopButtons(page)).toEqual(['Interrupt', 'Force stop', 'Terminate']);

    const { input, confirm } = await openStopDialog(page, 'Interrupt', 'interrupt');
    await confirmStop(input, confirm, 'interrupt');
    const notice = page.getByTestId('stop-notice');
    const said = await waitForText(notice, /interrupt sent/);
    expect(said).toMatch(/still RUNNING/);
    expect(await notice.getAttribute('role')).toBe('status');
    await waitForText(log, /got-int/);
    expect(await page.getByTestId('job-status').textContent()).toBe('RUNNING');
    await waitForText(page.getByTestId('stop-request'), /interrupt[\s\S]*SIGNALLED/);
    expect((await page.getByTestId('last-message').textContent())?.trim()).not.toBe('');
    const stored = await gw.sdk('alice').jobs.getJob({ jobId: job.id });
    expect(stored).toMatchObject({ status: 'RUNNING', stopRequest: { mode: 'interrupt' } });
    expect(await slurmState(stored.remoteJobId!)).toBe('RUNNING');
  }, 60_000);

  it('force-stop of a job that ignores SIGTERM, and terminate: each CANCELLED on the open page, and ended in Slurm', async () => {
    const { page } = await signedIn('alice');
    const cases = [
      {
        job: jobs.force,
        label: 'Force stop',
        word: 'force-stop',
        condition: 'FORCE_STOPPED_BY_USER',
        // The wrapper SIGKILLs the batch shell: Slurm says FAILED (0:9), the gateway CANCELLED.
        slurm: 'FAILED',
      },
      {
        job: jobs.terminate,
        label: 'Terminate',
        word: 'terminate',
        condition: 'TERMINATED_BY_USER',
        slurm: 'CANCELLED',
      },
    ];
    for (const { job, label, word, condition, slurm } of cases) {
      await openJobPage(page, job, 'RUNNING');
      await waitForText(page.locator('pre[data-testid="log"]'), /ready/);
      await page.evaluate(() => {
        (window as unknown as { __notReloaded: string }).__notReloaded = 'still here';
      });
      const { input, confirm } = await openStopDialog(page, label, word);
      await confirmStop(input, confirm, word);
      // "sent" once Slurm took the signal, "requested" before (the answer may come first).
      await waitForText(
        page.getByTestId('stop-notice'),
        new RegExp(`^${word} (sent|requested) — `),
      );
      expect(await waitForText(page.getByTestId('job-status'), 'CANCELLED')).toBe('CANCELLED');
      expect(await waitForText(page.getByTestId('job-condition'), condition)).toBe(condition);
      expect(
        await page.evaluate(() => (window as unknown as { __notReloaded?: string }).__notReloaded),
      ).toBe('still here');
      await expectNoStopButtons(page);
      const stored = await gw.sdk('alice').jobs.getJob({ jobId: job.id });
      expect(stored.status).toBe('CANCELLED');
      expect(await slurmEnded(stored.remoteJobId!)).toBe(slurm);
    }
  }, 90_000);

  it('cancel of a PENDING (held) job: CANCELLED on the page and in Slurm; a fresh page of it has no stop buttons', async () => {
    const { page } = await signedIn('alice');
    const job = jobs.pending;
    await openJobPage(page, job, 'PENDING');
    // The contract: only Cancel before the job runs.
    expect.soft(await shownStopButtons(page)).toEqual(['Cancel', 'Terminate']);
    const { input, confirm } = await openStopDialog(page, 'Cancel', 'cancel');
    await confirmStop(input, confirm, 'cancel');
    expect(await waitForText(page.getByTestId('job-status'), 'CANCELLED')).toBe('CANCELLED');
    expect(await waitForText(page.getByTestId('job-condition'), 'CANCELLED_BY_USER')).toBe(
      'CANCELLED_BY_USER',
    );
    await expectNoStopButtons(page);
    const stored = await gw.sdk('alice').jobs.getJob({ jobId: job.id });
    expect(await slurmEnded(stored.remoteJobId!)).toBe('CANCELLED');

    await page.reload();
    expect(await waitForText(page.getByTestId('job-status'), 'CANCELLED')).toBe('CANCELLED');
    await page.getByTestId('history').waitFor();
    await expectNoStopButtons(page);
  }, 60_000);

  it('drain of a phased job: the running phase finishes, the next is SKIPPED in the tasks table, the job ends CANCELLED DRAINED_BY_USER', async () => {
    const { page } = await signedIn('alice');
    const job = jobs.phased;
    await openJobPage(page, job, 'RUNNING');
    const tasks = page.locator('table[data-testid="tasks"]');
    const phaseRow = (n: number) => tasks.locator('tbody tr').nth(n - 1);
    await waitForText(phaseRow(1), /prepare[\s\S]*RUNNING/);
    expect
      .soft(await shownStopButtons(page))
      .toEqual(['Interrupt', 'Force stop', 'Terminate', 'Drain']);

    const { input, confirm } = await openStopDialog(page, 'Drain', 'drain');
    await confirmStop(input, confirm, 'drain');
    await waitForText(page.getByTestId('stop-notice'), /^drain (sent|requested) — /);
    // Draining does not stop the running phase.
    await waitForText(page.getByTestId('stop-request'), /drain[\s\S]*DRAINING/);
    expect(await page.getByTestId('job-status').textContent()).toBe('RUNNING');

    await aliceSsh.run(`touch ~/hpcgate/jobs/${job.id}/go`);
    expect(await waitForText(page.getByTestId('job-status'), 'CANCELLED')).toBe('CANCELLED');
    expect(await waitForText(page.getByTestId('job-condition'), 'DRAINED_BY_USER')).toBe(
      'DRAINED_BY_USER',
    );
    await waitForText(phaseRow(1), /prepare[\s\S]*SUCCEEDED/);
    await waitForText(phaseRow(2), /train[\s\S]*SKIPPED/);
    expect(await page.locator('pre[data-testid="log"]').textContent()).not.toContain('train');
    await expectNoStopButtons(page);
    const stored = await gw.sdk('alice').jobs.getJob({ jobId: job.id });
    // The wrapper exits 75 after a drain that skipped something: FAILED to Slurm.
    expect(await slurmEnded(stored.remoteJobId!)).toBe('FAILED');
  }, 60_000);

  it('a stale page: the job is stopped elsewhere while the dialog is open; confirming shows the gateway’s 409 message', async () => {
    const { c, page } = await signedIn('alice');
    const job = jobs.stale;
    c.expect({ status: 409, method: 'POST', path: new RegExp(`/${job.id}/cancel$`) });
    await openJobPage(page, job, 'PENDING');
    const { input, confirm } = await openStopDialog(page, 'Cancel', 'cancel');
    await input.fill('cancel');

    const stopped = await gw.sdk('alice').jobs.cancelJob({ jobId: job.id, wait: 30 });
    expect(stopped.status).toBe('CANCELLED');
    // The gateway's own words for a second stop of an ended job.
    const conflict = await gw
      .sdk('alice')
      .jobs.cancelJob({ jobId: job.id })
      .catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);
    const message = (conflict as ConflictError).message;

    expect(await confirm.isEnabled(), 'the open dialog still lets the user confirm').toBe(true);
    await confirm.click();
    const alert = page.getByRole('alert');
    expect(
      await waitForText(alert, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))),
    ).toContain(message);
    expect(await waitForText(page.getByTestId('job-status'), 'CANCELLED')).toBe('CANCELLED');
  }, 60_000);
});

describe('bulk stop', () => {
  it('by a name filter: the what-if names exactly the matching jobs; after `cancel` they end CANCELLED and the other job is untouched', async () => {
    const prefix = `bulk-${unique}`;
    const matching = await Promise.all(
      [1, 2, 3].map((i) => submit('alice', { name: `${prefix}-${i}`, script: HELD })),
    );
    // Named like them, but not matched by `${prefix}-*`.
    const other = await submit('alice', { name: prefix, script: HELD });
    await Promise.all([...matching, other].map((j) => waitFor('alice', j.id, ['PENDING'])));
    const ids = matching.map((j) => j.id).sort();

    const { page } = await signedIn('alice');
    await page.getByTestId('job-count').waitFor();
    await page.getByLabel('Name', { exact: true }).fill(`${prefix}-*`);
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await page.waitForURL((u) => u.searchParams.get('name') === `${prefix}-*`);
    for (const j of matching) await row(page, j.id).waitFor({ timeout: 15_000 });
    await waitForText(page.getByTestId('job-count'), /3/);
    expect(await row(page, other.id).count()).toBe(0);
    const listed = await page
      .locator('tr[data-testid="job-row"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-job-id')));
    expect(listed.sort()).toEqual(ids);

    await page.getByRole('button', { name: 'Stop all matching…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop jobs' });
    await dialog.waitFor({ timeout: 10_000 });
    await dialog.getByLabel('Mode', { exact: true }).selectOption('cancel');
    const whatIf = dialog.locator('ul[data-testid="whatif-list"] li[data-job-id]');
    await whatIf.first().waitFor({ timeout: 15_000 });
    const wouldStop = await whatIf.evaluateAll((items) =>
      items.map((i) => i.getAttribute('data-job-id')),
    );
    expect(wouldStop.sort()).toEqual(ids);
    const confirm = dialog.getByRole('button', { name: 'Stop 3 jobs', exact: true });
    expect(await confirm.isDisabled()).toBe(true);
    const input = dialog.getByLabel('Type cancel to confirm', { exact: true });
    await input.fill('cance');
    expect(await confirm.isDisabled()).toBe(true);
    await input.fill('cancel');
    await confirm.click();
    const result = page.getByTestId('bulk-result');
    await waitForText(result, /cancel requested for 3 job executions/);
    expect(await result.getAttribute('role')).toBe('status');

    for (const j of matching) {
      expect(await waitForText(row(page, j.id).getByTestId('status'), 'CANCELLED')).toBe(
        'CANCELLED',
      );
    }
    const ended = await Promise.all(matching.map((j) => waitFor('alice', j.id, ['CANCELLED'])));
    for (const j of ended) expect(await slurmEnded(j.remoteJobId!)).toBe('CANCELLED');
    const untouched = await gw.sdk('alice').jobs.getJob({ jobId: other.id });
    expect(untouched).toMatchObject({ status: 'PENDING', stopRequest: null });
    expect(await slurmState(untouched.remoteJobId!)).toBe('PENDING');
  }, 90_000);
});

describe('bulk stop of selected rows', () => {
  it('“Stop selected…” stops exactly the checked job', async () => {
    const [chosen, left] = await Promise.all([
      submit('alice', { name: `pick-${unique}-a`, script: HELD }),
      submit('alice', { name: `pick-${unique}-b`, script: HELD }),
    ]);
    await Promise.all([chosen, left].map((j) => waitFor('alice', j.id, ['PENDING'])));
    const { page } = await signedIn('alice', `/?name=pick-${unique}-*`);
    await row(page, left.id).waitFor({ timeout: 15_000 });
    await row(page, chosen.id)
      .getByRole('checkbox', { name: `Select ${chosen.name}` })
      .check();
    await page.getByRole('button', { name: 'Stop selected…', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Stop jobs' });
    await dialog.waitFor({ timeout: 10_000 });
    const whatIf = dialog.locator('ul[data-testid="whatif-list"] li[data-job-id]');
    await whatIf.first().waitFor({ timeout: 15_000 });
    expect(
      await whatIf.evaluateAll((items) => items.map((i) => i.getAttribute('data-job-id'))),
    ).toEqual([chosen.id]);
    await dialog.getByLabel('Type cancel to confirm', { exact: true }).fill('cancel');
    await dialog.getByRole('button', { name: 'Stop 1 job', exact: true }).click();
    await waitForText(page.getByTestId('bulk-result'), /cancel requested for 1 job execution/);
    expect(await waitForText(row(page, chosen.id).getByTestId('status'), 'CANCELLED')).toBe(
      'CANCELLED',
    );
    expect(await gw.sdk('alice').jobs.getJob({ jobId: left.id })).toMatchObject({
      status: 'PENDING',
      stopRequest: null,
    });
    expect(await row(page, left.id).getByTestId('status').textContent()).toBe('PENDING');
  }, 60_000);
});

// Copied from packages/gateway/test/jobs/hostile-input.test.ts (none is a valid job name: they go
// into the arguments and the log here), plus markup that would run if the page ever parsed text
// as HTML.
const pwnedFile = `/tmp/hpcgate-web-pwned-${randomUUID()}`;
const PAYLOADS = [
  `; touch ${pwnedFile}`,
  `$(touch ${pwnedFile})`,
  `\`touch ${pwnedFile}\``,
  `'; touch ${pwnedFile}; '`,
  `"; touch ${pwnedFile}; "`,
  `\ntouch ${pwnedFile}\n`,
  `| touch ${pwnedFile}`,
  `&& touch ${pwnedFile}`,
  `../../../tmp/x; touch ${pwnedFile}`,
];
const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=1</script>';

/** No element was made of the hostile strings, and nothing of them ran. */
async function expectNothingInjected(page: Page): Promise<void> {
  expect(await page.$('img[src="x"]')).toBeNull();
  expect(await page.$('[onerror]')).toBeNull();
  expect(
    await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned),
  ).toBeUndefined();
  const scripts = await page
    .locator('script')
    .evaluateAll((s) => s.map((e) => e.textContent ?? ''));
  expect(scripts.some((s) => s.includes('__pwned'))).toBe(false);
}

describe('hostile strings', () => {
  it('render as text: in the name, the description and the log; no element is made of them', async () => {
    // Only these characters may be in a name; they still spell an attribute and a script.
    const name = `x onerror=window.__pwned=1 @a,b+c:d ${unique}`;
    const description = `${IMG} ${SCRIPT} ${PAYLOADS.filter((p) => !p.includes('\n')).join(' ')}`;
    const tag = 'onerror=window.__pwned:1';
    const job = await submit('alice', {
      name,
      description,
      tags: [tag],
      command: `echo '${IMG}'; echo '${SCRIPT}'; printf 'arg:%s\\n' "$@"`,
      args: [IMG, SCRIPT, ...PAYLOADS],
    });
    await waitFor('alice', job.id, [...TERMINAL]);

    const { page } = await signedIn('alice');
    const link = row(page, job.id).getByRole('link');
    await link.waitFor({ timeout: 15_000 });
    expect(await link.textContent()).toBe(name);
    await expectNothingInjected(page);

    await openJobPage(page, job, 'FINISHED');
    expect(await page.locator('h1').textContent()).toBe(name);
    const log = page.locator('pre[data-testid="log"]');
    await waitForText(log, /arg:\.\.\/\.\.\/\.\.\/tmp\/x/);
    const text = (await log.textContent()) ?? '';
    for (const literal of [IMG, SCRIPT, `arg:${IMG}`, `arg:${SCRIPT}`])
      expect(text).toContain(literal);
    for (const p of PAYLOADS) expect(text).toContain(`arg:${p}`);

    await expectNothingInjected(page);
    // The job's details show the description and the tag as given (not in the DOM contract,
    // so only as text somewhere on the page).
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).toContain(description);
    expect(body).toContain(tag);
    expect((await aliceSsh.exec(`test -e ${pwnedFile}`)).code).not.toBe(0);
  }, 60_000);
});

describe('security headers and CSRF', () => {
  it('`/` and an asset carry a strict CSP, nosniff and a referrer policy; a POST with the cookie but no CSRF header is 403 CSRF_FAILED', async () => {
    const { c, page } = await signedIn('alice');
    c.expect({ status: 403, method: 'POST', path: new RegExp(`/${aliceHeld.id}/cancel$`) });
    const assets: { url: string; headers: Record<string, string> }[] = [];
    page.on('response', (res) => {
      const type = res.request().resourceType();
      if ((type === 'script' || type === 'stylesheet') && res.url().startsWith(gw.url)) {
        assets.push({ url: res.url(), headers: res.headers() });
      }
    });
    const doc = await page.goto(`${gw.url}/`);
    expect(doc?.status()).toBe(200);
    await page.getByTestId('job-count').waitFor();
    expect(assets.length, 'the page loads its script from the gateway').toBeGreaterThan(0);
    for (const [what, headers] of [
      ['/', doc!.headers()],
      [assets[0]!.url, assets[0]!.headers],
    ] as const) {
      const csp = headers['content-security-policy'] ?? '';
      expect(csp, `${what}: content-security-policy`).not.toBe('');
      expect(csp, what).not.toContain('unsafe-inline');
      expect(csp, what).not.toContain('unsafe-eval');
      expect(csp, what).toMatch(/(^|;)\s*frame-ancestors 'none'\s*(;|$)/);
      expect(headers['x-content-type-options'], what).toBe('nosniff');
      expect([
        'no-referrer',
        'same-origin',
        'strict-origin',
        'strict-origin-when-cross-origin',
      ]).toContain(headers['referrer-policy']);
    }

    // The cookie alone authenticates a GET, but not a POST.
    const probe = await page.evaluate(async (id) => {
      const get = await fetch(`/v3/jobs/${id}`);
      const post = await fetch(`/v3/jobs/${id}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return { get: get.status, post: post.status, body: await post.json() };
    }, aliceHeld.id);
    expect(probe.get).toBe(200);
    expect(probe.post).toBe(403);
    expect(probe.body.error.code).toBe('CSRF_FAILED');
    const job = await gw.sdk('alice').jobs.getJob({ jobId: aliceHeld.id });
    expect(job).toMatchObject({ status: 'PENDING', stopRequest: null });
  }, 60_000);
});

describe('keyboard', () => {
  it('a stop dialog opens with Enter, holds the focus (Tab and Shift+Tab), closes with Escape and gives the focus back', async () => {
    const { page } = await signedIn('alice');
    await openJobPage(page, aliceHeld, 'PENDING');
    const opener = page.getByRole('button', { name: 'Cancel', exact: true });
    await opener.evaluate((b) => {
      (b as unknown as { __opener: boolean }).__opener = true;
    });
    await opener.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Cancel job' });
    await dialog.waitFor({ timeout: 10_000 });
    const focusInDialog = () =>
      page.evaluate(() => document.activeElement?.closest('[role="dialog"], dialog') != null);
    // It moves the focus in once the dialog is shown (a moment after it is in the DOM).
    const moved = await page
      .waitForFunction(
        () => document.activeElement?.closest('[role="dialog"], dialog') != null,
        undefined,
        { timeout: 5_000 },
      )
      .then(
        () => true,
        () => false,
      );
    expect(moved, 'focus moves into the dialog').toBe(true);
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(await focusInDialog(), `after Tab ${i + 1}`).toBe(true);
    }
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await focusInDialog(), `after Shift+Tab ${i + 1}`).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    // The page gives the focus back once the dialog has left the DOM (a moment after it).
    const back = await page
      .waitForFunction(
        () => (document.activeElement as unknown as { __opener?: boolean }).__opener === true,
        undefined,
        { timeout: 5_000 },
      )
      .then(
        () => true,
        () => false,
      );
    expect(back, 'focus is back on the button that opened the dialog').toBe(true);
    const job = await gw.sdk('alice').jobs.getJob({ jobId: aliceHeld.id });
    expect(job).toMatchObject({ status: 'PENDING', stopRequest: null });
  }, 60_000);
});

describe('admin', () => {
  it('with Owner empty the list shows alice’s and bob’s jobs, with an Owner column', async () => {
    const { page } = await signedIn('admin');
    expect(await page.getByLabel('Owner', { exact: true }).inputValue()).toBe('');
    const table = page.getByRole('table', { name: 'Jobs' });
    await row(page, aliceHeld.id).waitFor({ timeout: 15_000 });
    await row(page, bobHeld.id).waitFor({ timeout: 15_000 });
    const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
    const ownerColumn = headers.indexOf('Owner');
    expect(ownerColumn, `columns: ${headers.join(' | ')}`).toBeGreaterThanOrEqual(0);
    for (const [job, owner] of [
      [aliceHeld, 'alice'],
      [bobHeld, 'bob'],
    ] as const) {
      const cell = row(page, job.id).locator(':scope > td, :scope > th').nth(ownerColumn);
      expect((await cell.textContent())?.trim()).toBe(owner);
    }
  }, 60_000);
});

describe('screenshots', () => {
  it('the list, and a job page with the stop dialog open (1280×800)', async () => {
    const job = await submit('alice', {
      name: `train-resnet50-${unique}`,
      command:
        'echo "epoch 1/20: loss 2.31"; echo "epoch 2/20: loss 1.87"; echo "epoch 3/20: loss 1.52"; while true; do sleep 1; done',
      tags: ['gpu', 'lr=0.01'],
    });
    await waitFor('alice', job.id, ['RUNNING']);
    const { page } = await signedIn('alice');
    const dir = screenshotDir();
    await row(page, job.id).waitFor({ timeout: 15_000 });
    expect(await waitForText(row(page, job.id).getByTestId('status'), 'RUNNING')).toBe('RUNNING');
    await page.screenshot({ path: join(dir, 'list.png') });

    await openJobPage(page, job, 'RUNNING');
    await waitForText(page.locator('pre[data-testid="log"]'), /epoch 3\/20/);
    await openStopDialog(page, 'Interrupt', 'interrupt');
    const shot = join(dir, 'job-page.png');
    await page.screenshot({ path: shot });
    if (process.env.HPCGATE_UPDATE_README_SCREENSHOT === '1') {
      mkdirSync(dirname(README_SCREENSHOT), { recursive: true });
      copyFileSync(shot, README_SCREENSHOT);
    }
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden', timeout: 10_000 });
  }, 60_000);
});
