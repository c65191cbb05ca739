#!/usr/bin/env node
// hpcgate-dev-oidc [--port 8081]: the dev OpenID provider for `npm start`, in the foreground.
import { parseArgs } from 'node:util';
import { startDevOidcProvider } from './server.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8081' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log('usage: hpcgate-dev-oidc [--port 8081]');
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`hpcgate-dev-oidc: bad --port ${values.port}`);
  process.exit(2);
}

const op = await startDevOidcProvider({ port });
const lines = [
  `hpcgate dev OIDC provider (for development only; state is in memory)`,
  `  issuer:    ${op.issuer}`,
  `  discovery: ${op.issuer}/.well-known/openid-configuration`,
  `  audience:  ${op.audience}`,
  `  device sign-in page: ${op.issuer}/device`,
  '  clients:',
  ...op.clients.map((c) =>
    c.clientSecret !== undefined
      ? `    ${c.clientId}  secret ${c.clientSecret}  (client_credentials, HTTP Basic)`
      : c.redirectUris
        ? `    ${c.clientId}  (public; authorization code + PKCE to ${c.redirectUris.join(', ')} on any port)`
        : `    ${c.clientId}  (public; device flow + refresh tokens)`,
  ),
  '  users (username/password):',
  ...op.users.map(
    (u) =>
      `    ${u.username}/${u.password}${u.groups?.length ? `  groups ${u.groups.join(',')}` : ''}`,
  ),
];
console.log(lines.join('\n'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    op.close().finally(() => process.exit(0));
  });
}
