import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { useNock } from '../../fixtures.js';
import {
  claimsOf,
  envFor,
  expectNoSecrets,
  fileMode,
  freshDir,
  letLoopbackThrough,
  listJobsRecording,
  readStored,
  run,
} from './helpers.js';

useNock();
letLoopbackThrough();
let op: DevOidcProvider;
let machine: { clientId: string; clientSecret: string };
beforeAll(async () => {
  op = await startDevOidcProvider({ port: 0, accessTokenTtlSec: 6 });
  machine = op.machineClient!;
});
afterAll(() => op.close());

const loginArgs = () => ['login', '--client-credentials', '--client-id', machine.clientId];

describe('hpcgate login --client-credentials', () => {
  it('the secret from $HPCGATE_CLIENT_SECRET: saved with the token (0600); commands use and renew it', async () => {
    const dir = await freshDir();
    const env = envFor(dir, { HPCGATE_ISSUER: op.issuer });
    const login = await run(loginArgs(), { ...env, HPCGATE_CLIENT_SECRET: machine.clientSecret });
    expect(login.code).toBe(ExitCode.OK);
    expect(login.err).toMatch(/^signed in as hpcgate-automation \(profile "default", saved in /);
    expect(await fileMode(dir)).toBe(0o600);
    const stored = await readStored(dir);
    const signIn = stored.signIns!.default!;
    expect(signIn).toEqual({
      grant: 'client_credentials',
      issuer: op.issuer,
      clientId: machine.clientId,
      clientSecret: machine.clientSecret,
      accessToken: expect.any(String),
      accessTokenExpiresAt: expect.any(String),
    });
    expectNoSecrets(login.out + login.err, stored);

    // Later commands, without the secret in the environment.
    const seen: string[] = [];
    listJobsRecording(seen);
    const list = await run(['jobs', 'list'], envFor(dir));
    expect(list.code).toBe(ExitCode.OK);
    expect(seen).toEqual([`Bearer ${signIn.accessToken}`]);
    expect(claimsOf(signIn.accessToken!).preferred_username).toBe(machine.clientId);

    await new Promise((r) => setTimeout(r, 6100));
    listJobsRecording(seen);
    expect((await run(['jobs', 'list'], envFor(dir))).code).toBe(ExitCode.OK);
    const renewed = seen[1]!.replace(/^Bearer /, '');
    expect(renewed).not.toBe(signIn.accessToken);
    expect(claimsOf(renewed).preferred_username).toBe(machine.clientId);
    expect((await readStored(dir)).signIns!.default!.accessToken).toBe(renewed);

    const whoami = await run(['whoami'], envFor(dir));
    expect(whoami.out).toMatch(/^user: +hpcgate-automation$/m);
    expectNoSecrets(whoami.out + whoami.err, await readStored(dir));

    const logout = await run(['logout'], envFor(dir));
    expect(logout.code).toBe(ExitCode.OK);
    const after = await readStored(dir);
    expect(after.signIns).toBeUndefined();
    expect(JSON.stringify(after)).not.toContain(machine.clientSecret);
  });

  it('--client-secret-stdin reads the secret from stdin', async () => {
    const dir = await freshDir();
    const env = envFor(dir);
    const r = await run(
      [...loginArgs(), '--issuer', op.issuer, '--client-secret-stdin'],
      env,
      `${machine.clientSecret}\n`,
    );
    expect(r.code).toBe(ExitCode.OK);
    expect((await readStored(dir)).signIns!.default!.clientSecret).toBe(machine.clientSecret);
    expectNoSecrets(r.out + r.err, await readStored(dir));
  });

  it('a wrong secret: exit 4, one line without the secret, nothing saved', async () => {
    const dir = await freshDir();
    const secret = 'not-the-right-secret';
    const r = await run([...loginArgs(), '--issuer', op.issuer], {
      ...envFor(dir),
      HPCGATE_CLIENT_SECRET: secret,
    });
    expect(r.code).toBe(ExitCode.AUTH);
    expect(r.err).toBe(
      'hpcgate: the identity provider does not accept this client id or secret (invalid_client: client authentication failed)\n',
    );
    expect(r.out + r.err).not.toContain(secret);
    await expect(readStored(dir)).rejects.toThrow(/ENOENT/);
  });

  it('no secret, or no client id: usage errors', async () => {
    const dir = await freshDir();
    const noSecret = await run([...loginArgs(), '--issuer', op.issuer], envFor(dir));
    expect(noSecret.code).toBe(ExitCode.USAGE);
    expect(noSecret.err).toBe(
      'hpcgate: no client secret: set HPCGATE_CLIENT_SECRET or pass --client-secret-stdin\n',
    );
    const noId = await run(['login', '--client-credentials', '--issuer', op.issuer], envFor(dir));
    expect(noId.code).toBe(ExitCode.USAGE);
    expect(noId.err).toBe(
      'hpcgate: --client-credentials needs --client-id (or $HPCGATE_CLIENT_ID)\n',
    );
    // No flag takes the secret itself: it would be visible in argv.
    const flag = await run([...loginArgs(), '--client-secret', 'x'], envFor(dir));
    expect(flag.code).toBe(ExitCode.USAGE);
    expect(flag.err).toMatch(/Unknown argument/);
  });
});
