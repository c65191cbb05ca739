import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load.js';
import { paperAuth, paperSystem } from '../helpers/config-input.js';

const auth = paperAuth;
const system = paperSystem('cluster-a');

describe('parseConfig', () => {
  it('fills defaults for a minimal config', () => {
    const config = parseConfig({ auth, systems: [system] });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.systems[0]).toMatchObject({ port: 22, maxChannels: 6, partitions: [] });
  });

  it('takes PostgreSQL as the store, with its defaults, and refuses what is not a postgres URL without echoing it', () => {
    const url = 'postgres://hpcgate:s3cret@db.example.org:5432/hpcgate';
    const config = parseConfig({ auth, systems: [system], store: { postgres: { url } } });
    expect(config.store.postgres).toEqual({
      url,
      schema: 'public',
      maxConnections: 10,
      statementTimeoutMs: 10_000,
    });
    const bad = () =>
      parseConfig({
        auth,
        systems: [system],
        store: { postgres: { url: 'mysql://u:s3cret@h/db' } },
      });
    expect(bad).toThrowError(/store\.postgres\.url/);
    expect(bad).not.toThrowError(/s3cret/);
    expect(() =>
      parseConfig({ auth, systems: [system], store: { postgres: { url, schema: 'x; drop' } } }),
    ).toThrowError(/store\.postgres\.schema/);
  });

  it('wants the web page’s public address unless the gateway listens on loopback', () => {
    const web = { clientId: 'hpcgate-web' };
    const { jwksFile: _keys, ...rest } = auth;
    const discovering = { ...rest, discovery: true };
    expect(() =>
      parseConfig({ auth: discovering, systems: [system], web, listen: { host: '0.0.0.0' } }),
    ).toThrowError(/web\.publicUrl/);
    expect(
      parseConfig({
        auth: discovering,
        systems: [system],
        listen: { host: '0.0.0.0' },
        web: { ...web, publicUrl: 'https://hpc.example.org' },
      }).web?.publicUrl,
    ).toBe('https://hpc.example.org');
    expect(parseConfig({ auth: discovering, systems: [system], web }).web?.loginLimit).toEqual({
      requestsPerMinute: 20,
      burst: 10,
    });
  });

  it('names the offending path', () => {
    expect(() => parseConfig({ auth, systems: [{ ...system, port: 70000 }] })).toThrowError(
      /systems\[0\]\.port/,
    );
  });

  it('rejects a config without execution systems', () => {
    expect(() => parseConfig({ auth, systems: [] })).toThrowError(ConfigError);
  });

  it('requires a host key for every system, and checks pinned fingerprints', () => {
    const { hostKey: _, ...unpinned } = system;
    expect(() => parseConfig({ auth, systems: [unpinned] })).toThrowError(/hostKey/);
    expect(() =>
      parseConfig({ auth, systems: [{ ...system, hostKey: { fingerprints: ['MD5:aa:bb'] } }] }),
    ).toThrowError(/hostKey/);
    expect(
      parseConfig({ auth, systems: [{ ...system, hostKey: { knownHostsFile: '/etc/ssh/known' } }] })
        .systems[0]!.hostKey,
    ).toEqual({ knownHostsFile: '/etc/ssh/known' });
  });

  it('maps callers to their own account by default, and refuses a bad account in the table', () => {
    expect(parseConfig({ auth, systems: [system] }).systems[0]!.accounts).toMatchObject({
      sameName: true,
      table: {},
      patterns: [],
    });
    expect(() =>
      parseConfig({ auth, systems: [{ ...system, accounts: { table: { bob: 'Bob Smith' } } }] }),
    ).toThrowError(/accounts/);
    expect(() =>
      parseConfig({
        auth,
        systems: [{ ...system, accounts: { patterns: [{ match: '(', account: 'x' }] } }],
      }),
    ).toThrowError(/regular expression/);
  });

  it('rejects two systems with the same id', () => {
    expect(() => parseConfig({ auth, systems: [system, { ...system }] })).toThrowError(
      /duplicate id/,
    );
  });

  it('requires token verification settings: there is no way to turn it off', () => {
    expect(() => parseConfig({ systems: [system] })).toThrowError(/auth/);
    expect(() =>
      parseConfig({ auth: { issuer: 'x', audience: 'y' }, systems: [system] }),
    ).toThrowError(/exactly one of jwksFile or jwksUrl/);
  });

  it('rejects a system id that could not be a path segment', () => {
    expect(() => parseConfig({ auth, systems: [{ ...system, id: '../x' }] })).toThrowError(/id/);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpcgate-config-'));

  it('reads a JSON file', () => {
    const path = join(dir, 'ok.json');
    writeFileSync(path, JSON.stringify({ auth, systems: [system] }));
    expect(loadConfigFile(path).systems[0]!.id).toBe('cluster-a');
  });

  it('says which file is not JSON', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, '{ nope');
    expect(() => loadConfigFile(path)).toThrowError(new RegExp(`${path} is not JSON`));
  });

  it('says which file is missing', () => {
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrowError(/cannot read config file/);
  });
});
