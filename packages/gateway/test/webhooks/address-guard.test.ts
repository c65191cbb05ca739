import { describe, expect, it } from 'vitest';
import { checkAddress, forbiddenReason } from '../../src/webhooks/address-guard.js';

describe('forbiddenReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', '"this network"'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.255', 'CGNAT'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 link-local'],
    ['2002:a00:1::1', '6to4 private'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378::1', 'IETF protocol assignments'],
    ['100::1', 'discard-only'],
  ])('%s is refused (%s)', (ip, why) => {
    expect(forbiddenReason(ip)).toContain(why);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
  ])('%s, a public address, may receive', (ip) => {
    expect(forbiddenReason(ip)).toBeNull();
  });

  it('anything that is not an address is refused', () => {
    expect(forbiddenReason('example.org')).toBe('not an IP address');
  });
});

describe('checkAddress', () => {
  const resolveTo =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('a name with any refused address is refused, even beside public ones', async () => {
    await expect(
      checkAddress('mixed.example', {
        allowPrivate: false,
        resolve: resolveTo('93.184.216.34', '10.0.0.7'),
      }),
    ).rejects.toMatchObject({ name: 'AddressRefusedError', address: '10.0.0.7' });
  });

  it('a public name gives its first address, to connect to', async () => {
    await expect(
      checkAddress('ok.example', {
        allowPrivate: false,
        resolve: resolveTo('2606:4700::1', '93.184.216.34'),
      }),
    ).resolves.toEqual({ address: '2606:4700::1', family: 6 });
  });

  it('allowPrivate lets every address through', async () => {
    await expect(checkAddress('[::1]', { allowPrivate: true })).resolves.toEqual({
      address: '::1',
      family: 6,
    });
  });

  it('a name that resolves to nothing is unresolvable', async () => {
    await expect(
      checkAddress('nothing.example', { allowPrivate: false, resolve: resolveTo() }),
    ).rejects.toMatchObject({ name: 'UnresolvableHostError', code: 'NODATA' });
  });
});
