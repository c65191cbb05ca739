import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { paperAuth, paperSystem } from '../helpers/config-input.js';

// The HTTP server's bounds (defect 5), the per-user job cap, and the introspection cache settings.
const auth = paperAuth;
const system = paperSystem('cluster-a');
const parse = (extra: Record<string, unknown>) =>
  parseConfig({ auth, systems: [system], ...extra });

describe('config.http', () => {
  it('has finite defaults: timeouts, a connection cap, 64 KB headers, a body bound', () => {
    expect(parse({}).http).toEqual({
      requestTimeoutMs: 30_000,
      headersTimeoutMs: 10_000,
      keepAliveTimeoutMs: 72_000,
      socketTimeoutMs: 330_000,
      maxConnections: 1_024,
      maxHeaderBytes: 64 * 1024,
      maxUrlBytes: 8 * 1024,
      bodyLimitBytes: 4 * 1024 * 1024,
      idempotentRetryWaitMs: 10_000,
    });
  });

  it('takes values within bounds', () => {
    const http = parse({
      http: { requestTimeoutMs: 60_000, maxConnections: 10, maxHeaderBytes: 128 * 1024 },
    }).http;
    expect(http).toMatchObject({ requestTimeoutMs: 60_000, maxConnections: 10 });
    expect(http.maxHeaderBytes).toBe(128 * 1024);
  });

  it.each([
    ['requestTimeoutMs', 0],
    ['requestTimeoutMs', 10_000_000],
    ['headersTimeoutMs', 999],
    ['keepAliveTimeoutMs', 0],
    ['maxConnections', 0],
    ['maxConnections', 1.5],
    ['maxHeaderBytes', 8 * 1024],
    ['maxHeaderBytes', 2 * 1024 * 1024],
    ['maxUrlBytes', 100],
    ['bodyLimitBytes', 1024],
    ['bodyLimitBytes', 1024 * 1024 * 1024],
    ['idempotentRetryWaitMs', -1],
  ])('refuses %s = %d, naming it', (field, value) => {
    expect(() => parse({ http: { [field]: value } })).toThrowError(new RegExp(`http\\.${field}`));
  });

  it('refuses a socket timeout a cancel wait (300 s) would run into', () => {
    expect(() => parse({ http: { socketTimeoutMs: 120_000 } })).toThrowError(
      /300000 ms[\s\S]*http\.socketTimeoutMs/,
    );
  });

  it('refuses inconsistent pairs', () => {
    expect(() =>
      parse({ http: { headersTimeoutMs: 20_000, requestTimeoutMs: 10_000 } }),
    ).toThrowError(/http\.headersTimeoutMs/);
    expect(() =>
      parse({ http: { maxHeaderBytes: 16 * 1024, maxUrlBytes: 16 * 1024 } }),
    ).toThrowError(/http\.maxUrlBytes/);
  });
});

describe('config.limits', () => {
  it('caps unfinished jobs per user at 1000 by default, between 1 and 100000', () => {
    expect(parse({}).limits).toEqual({ maxActiveJobsPerUser: 1_000 });
    expect(parse({ limits: { maxActiveJobsPerUser: 5 } }).limits.maxActiveJobsPerUser).toBe(5);
    for (const bad of [0, 100_001, 2.5, '10']) {
      expect(() => parse({ limits: { maxActiveJobsPerUser: bad } })).toThrowError(ConfigError);
    }
  });
});

describe('config.auth.introspection cache and client limit', () => {
  const introspection = {
    endpoint: 'https://issuer.example/introspect',
    clientId: 'gw',
    clientSecret: 's',
  };
  it('defaults: 60 s for active answers, 5 s for inactive, 10000 entries, 120/min per client', () => {
    expect(parse({ auth: { ...auth, introspection } }).auth.introspection).toEqual({
      ...introspection,
      cacheMaxAgeSec: 60,
      cacheNegativeSec: 5,
      cacheMaxEntries: 10_000,
      clientLimit: { requestsPerMinute: 120, burst: 30 },
    });
  });
  it('bounds them', () => {
    for (const bad of [
      { cacheMaxAgeSec: -1 },
      { cacheMaxAgeSec: 3_601 },
      { cacheNegativeSec: 301 },
      { cacheMaxEntries: 0 },
      { clientLimit: { burst: 0 } },
    ]) {
      expect(() =>
        parse({ auth: { ...auth, introspection: { ...introspection, ...bad } } }),
      ).toThrowError(/auth\.introspection/);
    }
  });
});
