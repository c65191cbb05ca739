import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config/load.js';

const auth = { issuer: 'https://issuer.example', audience: 'hpcgate', jwksFile: '/etc/jwks.json' };
const system = {
  id: 'cluster-a',
  host: 'login.example.org',
  user: 'hpcuser',
  privateKeyPath: '/keys/id_ed25519',
};

describe('parseConfig', () => {
  it('fills defaults for a minimal config', () => {
    const config = parseConfig({ auth, systems: [system] });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.systems[0]).toMatchObject({ port: 22, maxChannels: 6, partitions: [] });
  });

  it('names the offending path', () => {
    expect(() => parseConfig({ auth, systems: [{ ...system, port: 70000 }] })).toThrowError(
      /systems\[0\]\.port/,
    );
  });

  it('rejects a config without execution systems', () => {
    expect(() => parseConfig({ auth, systems: [] })).toThrowError(ConfigError);
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
