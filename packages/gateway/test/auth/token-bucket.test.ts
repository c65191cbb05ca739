import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../../src/plugins/rate-limit.js';

function limiter(requestsPerMinute: number, burst: number) {
  let t = 1_000_000;
  const l = new TokenBucketLimiter({ requestsPerMinute, burst, now: () => t });
  return { l, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

describe('TokenBucketLimiter', () => {
  it('allows a burst, then one request per refill interval', () => {
    const { l, advance } = limiter(60, 5); // one per second
    for (let i = 0; i < 5; i++)
      expect(l.take('a')).toMatchObject({ allowed: true, remaining: 4 - i });
    expect(l.take('a')).toEqual({ allowed: false, retryAfterSec: 1 });
    advance(999);
    expect(l.take('a').allowed).toBe(false);
    advance(1);
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
  });

  it('says how long to wait, in whole seconds (at least 1)', () => {
    const { l, advance } = limiter(6, 1); // one per 10 s
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a')).toEqual({ allowed: false, retryAfterSec: 10 });
    advance(2_500);
    expect(l.take('a')).toEqual({ allowed: false, retryAfterSec: 8 });
    advance(7_400);
    expect(l.take('a')).toEqual({ allowed: false, retryAfterSec: 1 });
    advance(100);
    expect(l.take('a').allowed).toBe(true);
  });

  it('refused requests cost nothing; refills never exceed the burst', () => {
    const { l, advance } = limiter(60, 2);
    l.take('a');
    l.take('a');
    for (let i = 0; i < 100; i++) expect(l.take('a').allowed).toBe(false);
    advance(1_000);
    expect(l.take('a').allowed).toBe(true);
    advance(3_600_000);
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(true);
    expect(l.take('a').allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const { l } = limiter(1, 1);
    expect(l.take('alice').allowed).toBe(true);
    expect(l.take('alice').allowed).toBe(false);
    expect(l.take('bob').allowed).toBe(true);
    expect(l.take('alice\u0000').allowed).toBe(true);
  });

  it('a clock that goes back gives no tokens', () => {
    const { l, set } = limiter(60, 1);
    set(10_000);
    expect(l.take('a').allowed).toBe(true);
    set(5_000);
    expect(l.take('a').allowed).toBe(false);
    set(10_500);
    expect(l.take('a').allowed).toBe(false);
    set(11_000);
    expect(l.take('a').allowed).toBe(true);
  });

  it('forgets buckets that have refilled, so memory follows the active users', () => {
    const { l, advance } = limiter(60, 10);
    for (let i = 0; i < 1000; i++) l.take(`user-${i}`);
    expect(l.size).toBe(1000);
    for (let i = 0; i < 10; i++) l.take('busy');
    advance(5_000);
    l.take('busy'); // not yet a minute since the last sweep
    expect(l.size).toBe(1001);
    advance(60_000);
    l.take('busy');
    // Everyone refilled after 65 s, except the one just used again.
    expect(l.size).toBe(1);
    expect(l.take('busy')).toMatchObject({ allowed: true, remaining: 8 });
  });
});
