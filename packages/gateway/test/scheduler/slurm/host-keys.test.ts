import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fingerprintOf,
  hostKeyCheck,
  keyTypeOf,
  knownHostKeys,
} from '../../../src/scheduler/slurm/host-keys.js';

// A real ed25519 host key line (the sandbox's kind), and its fingerprint as ssh-keygen -l prints it.
const LINE = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrG2SqgyNdGmW5T3P1GI1yNwLoe5ZMRGnQIx';
const BLOB = Buffer.from(LINE.split(' ')[1]!, 'base64');
const OTHER = Buffer.from(
  'AAAAC3NzaC1lZDI1NTE5AAAAIBfIr3BOw1vwvfMhPBmO7ZQ7vnl4yKYwy3UDWN1wkTlX',
  'base64',
);

describe('host key fingerprints', () => {
  it('is SHA256 of the blob, unpadded base64, and names the key type', () => {
    expect(fingerprintOf(BLOB)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(keyTypeOf(BLOB)).toBe('ssh-ed25519');
    expect(keyTypeOf(Buffer.alloc(2))).toBe('unknown');
  });
});

describe('known_hosts', () => {
  it('finds keys for [host]:port, plain host on 22, wildcards and hashed names', () => {
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[login.example]:2222').digest('base64')}`;
    const text = [
      '# comment',
      `[127.0.0.1]:2222 ${LINE}`,
      `login.example ${LINE}`,
      `*.cluster.example ${LINE}`,
      `${hashed} ${LINE}`,
      `[127.0.0.1]:2223 ssh-ed25519 ${OTHER.toString('base64')}`,
    ].join('\n');
    expect(knownHostKeys(text, '127.0.0.1', 2222).trusted).toEqual([BLOB]);
    expect(knownHostKeys(text, 'login.example', 22).trusted).toEqual([BLOB]);
    expect(knownHostKeys(text, 'n1.cluster.example', 22).trusted).toEqual([BLOB]);
    expect(knownHostKeys(text, 'login.example', 2222).trusted).toEqual([BLOB]);
    expect(knownHostKeys(text, 'elsewhere', 22).trusted).toEqual([]);
  });

  it('a negated pattern excludes a host; @revoked revokes; @cert-authority trusts nothing', () => {
    const text = [
      `*.example,!evil.example ${LINE}`,
      `@revoked * ssh-ed25519 ${OTHER.toString('base64')}`,
      `@cert-authority * ssh-ed25519 ${OTHER.toString('base64')}`,
    ].join('\n');
    expect(knownHostKeys(text, 'good.example', 22).trusted).toEqual([BLOB]);
    expect(knownHostKeys(text, 'evil.example', 22).trusted).toEqual([]);
    expect(knownHostKeys(text, 'good.example', 22).revoked).toEqual([OTHER]);
  });
});

describe('hostKeyCheck', () => {
  it('trusts a pinned fingerprint and nothing else', () => {
    const check = hostKeyCheck({ fingerprints: [fingerprintOf(BLOB)] }, 'h', 22);
    expect(check(BLOB).trusted).toBe(true);
    expect(check(OTHER)).toMatchObject({ trusted: false, fingerprint: fingerprintOf(OTHER) });
  });

  it('reads a known_hosts file at each check; a missing file trusts nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpcgate-kh-'));
    const file = join(dir, 'known_hosts');
    const check = hostKeyCheck({ knownHostsFile: file }, 'h', 22);
    expect(check(BLOB).trusted).toBe(false);
    writeFileSync(file, `h ${LINE}\n`);
    expect(check(BLOB).trusted).toBe(true);
    writeFileSync(file, `h ${LINE}\n@revoked h ${LINE}\n`);
    expect(check(BLOB).trusted).toBe(false);
  });

  it('insecure-accept-any accepts any key (the connection logs a warning)', () => {
    expect(hostKeyCheck('insecure-accept-any', 'h', 22)(OTHER).trusted).toBe(true);
  });
});
