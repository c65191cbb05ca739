// Minimal self-contained pages (no external CSS or fonts: the machine may be offline).

const STYLE = `body{font-family:system-ui,sans-serif;margin:40px auto;max-width:340px;color:#222}
h1{font-weight:400;font-size:1.6em}input{display:block;width:100%;box-sizing:border-box;margin:0 0 10px;padding:8px;font-size:16px}
button{width:100%;padding:9px;font-size:15px;margin-bottom:8px;cursor:pointer}
.error{color:#c00}.hint{color:#666;font-size:.85em}code{font-size:1.5em}`;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

export function loginPage(opts: {
  uid: string;
  clientId: string;
  username?: string;
  error?: string;
  demoUsers: readonly string[];
}): string {
  const action = `/interaction/${encodeURIComponent(opts.uid)}`;
  const error = opts.error ? `<p class="error">${escapeHtml(opts.error)}</p>` : '';
  const demo = opts.demoUsers.length
    ? `<p class="hint">Demo users (password = username): ${opts.demoUsers.map(escapeHtml).join(', ')}</p>`
    : '';
  return page(
    'hpcgate dev sign-in',
    `<h1>Sign in</h1><p>to <strong>${escapeHtml(opts.clientId)}</strong></p>${error}
<form method="post" action="${action}/login">
<input name="username" placeholder="Username" autofocus autocomplete="username" value="${escapeHtml(opts.username ?? '')}">
<input name="password" type="password" placeholder="Password" autocomplete="current-password">
<button type="submit">Sign in</button></form>
<form method="post" action="${action}/abort"><button type="submit">Cancel</button></form>${demo}`,
  );
}

export function deviceInputPage(form: string, error?: string): string {
  const msg = error
    ? `<p class="error">${escapeHtml(error)}</p>`
    : '<p>Enter the code shown on your device.</p>';
  return page(
    'hpcgate device sign-in',
    `<h1>Device sign-in</h1>${msg}${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
  );
}

export function deviceConfirmPage(form: string, clientId: string, userCode: string): string {
  return page(
    'hpcgate confirm device',
    `<h1>Confirm device</h1><p><strong>${escapeHtml(clientId)}</strong> shows this code:</p>
<p><code>${escapeHtml(userCode)}</code></p>${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes">Abort</button>`,
  );
}

/** `data-result` lets approveDevice() tell success from an error page without guessing. */
export function deviceSuccessPage(clientId: string): string {
  return page(
    'hpcgate device approved',
    `<h1 data-result="device-approved">Signed in</h1><p>${escapeHtml(clientId)} is now signed in. You can close this page.</p>`,
  );
}

/** RP-initiated logout: the provider asks before it ends its session (nothing loaded from afar). */
export function logoutPage(form: string, host: string): string {
  return page(
    'hpcgate sign out',
    `<h1>Sign out</h1><p>Sign out of the development provider at ${escapeHtml(host)}?</p>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}

export function loggedOutPage(): string {
  return page('hpcgate signed out', '<h1 data-result="signed-out">Signed out</h1>');
}
