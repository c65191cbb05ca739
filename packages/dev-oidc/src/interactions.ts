import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { UserDirectory } from './accounts.js';
import { loginPage } from './html.js';

const ROUTE = /^\/interaction\/([^/]+)(?:\/(login|abort))?$/;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(html);
}

/**
 * The provider's interaction routes (oidc-provider leaves them to the host app):
 * GET /interaction/:uid shows a username/password form, POST .../login checks it and
 * hands the account to the provider, POST .../abort denies. Consent is not asked: the
 * clients are first-party, so `loadExistingGrant` grants what they request (and the consent
 * prompt oidc-provider always makes for native clients finishes at once).
 * Returns false when the path is not an interaction route.
 */
export async function handleInteraction(
  env: { provider: Provider; users: UserDirectory; demoUsernames: readonly string[] },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const match = ROUTE.exec(path);
  if (!match) return false;
  const action = match[2];
  const method = req.method ?? 'GET';
  if ((action && method !== 'POST') || (!action && method !== 'GET')) {
    send(res, 405, 'method not allowed');
    return true;
  }

  const { provider, users } = env;
  const details = await provider.interactionDetails(req, res);
  const clientId = String(details.params.client_id ?? '');
  const render = (status: number, extra: { username?: string; error?: string } = {}) =>
    send(
      res,
      status,
      loginPage({ uid: details.uid, clientId, demoUsers: env.demoUsernames, ...extra }),
    );

  if (!action && details.prompt.name === 'consent') {
    // Native clients (the web client is one: loopback redirects) are always asked to consent
    // once logged in; first-party clients are granted without a page (loadExistingGrant).
    await provider.interactionFinished(
      req,
      res,
      { consent: details.grantId ? { grantId: details.grantId } : {} },
      { mergeWithLastSubmission: true },
    );
    return true;
  }
  if (!action) {
    render(200);
    return true;
  }
  if (action === 'abort') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
    return true;
  }

  const form = await readForm(req);
  const username = form.get('username') ?? '';
  const user = users.authenticate(username, form.get('password') ?? '');
  if (!user) {
    render(401, { username, error: 'Wrong username or password.' });
    return true;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.id } },
    { mergeWithLastSubmission: false },
  );
  return true;
}
