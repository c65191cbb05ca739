import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { HostKeyPolicy } from '../../config/schema.js';

/** What the server offered, for the error message and the log. */
export interface OfferedHostKey {
  type: string;
  fingerprint: string;
}

export interface HostKeyVerdict extends OfferedHostKey {
  trusted: boolean;
}

/** `SHA256:` and the unpadded base64 SHA-256 of the key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH public key blob (`ssh-ed25519`, …). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return len > 0 && len < 64 && blob.length >= 4 + len
    ? blob.subarray(4, 4 + len).toString('latin1')
    : 'unknown';
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
function hostNames(host: string, port: number): string[] {
  return port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** One entry of a known_hosts line's host list against one name (plain, wildcard or hashed). */
function entryMatches(entry: string, name: string): boolean {
  if (entry.startsWith('|1|')) {
    const [, , salt, hash] = entry.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  return globToRegExp(entry).test(name);
}

function hostListMatches(list: string, names: string[]): boolean {
  let matched = false;
  for (const raw of list.split(',')) {
    const negated = raw.startsWith('!');
    const entry = negated ? raw.slice(1) : raw;
    if (names.some((n) => entryMatches(entry, n))) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/**
 * The keys a known_hosts text trusts and revokes for host:port. `@cert-authority` lines are not
 * supported (host certificates): they trust nothing here.
 */
export function knownHostKeys(
  text: string,
  host: string,
  port: number,
): { trusted: Buffer[]; revoked: Buffer[] } {
  const names = hostNames(host, port);
  const trusted: Buffer[] = [];
  const revoked: Buffer[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const words = t.split(/\s+/);
    const marker = words[0]!.startsWith('@') ? words.shift() : undefined;
    const [hosts, , key] = words;
    if (!hosts || !key || !hostListMatches(hosts, names)) continue;
    const blob = Buffer.from(key, 'base64');
    if (marker === '@revoked') revoked.push(blob);
    else if (marker === undefined) trusted.push(blob);
  }
  return { trusted, revoked };
}

/**
 * The host key check for one system, as its configuration says. The known_hosts file is read
 * when the check is made (at each connection), so that an edited file takes effect.
 */
export function hostKeyCheck(
  policy: HostKeyPolicy,
  host: string,
  port: number,
): (blob: Buffer) => HostKeyVerdict {
  return (blob) => {
    const offered = { type: keyTypeOf(blob), fingerprint: fingerprintOf(blob) };
    if (policy === 'insecure-accept-any') return { ...offered, trusted: true };
    if ('fingerprints' in policy) {
      return { ...offered, trusted: policy.fingerprints.includes(offered.fingerprint) };
    }
    let text: string;
    try {
      text = readFileSync(policy.knownHostsFile, 'utf8');
    } catch {
      return { ...offered, trusted: false };
    }
    const { trusted, revoked } = knownHostKeys(text, host, port);
    const same = (b: Buffer) => b.equals(blob);
    return { ...offered, trusted: !revoked.some(same) && trusted.some(same) };
  };
}
