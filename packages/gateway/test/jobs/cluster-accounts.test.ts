import { describe, expect, it } from 'vitest';
import { accountMappingSchema } from '../../src/config/schema.js';
import { lookUpAccount } from '../../src/jobs/cluster-accounts.js';

// Pure: which Unix account a caller maps to, rule by rule.
const mapping = (raw: unknown) => accountMappingSchema.parse(raw);
const person = (username: string, claims: Record<string, unknown> = {}) => ({
  username,
  isAdmin: false,
  kind: 'user' as const,
  claims,
});
const bot = (username: string) => ({
  username,
  isAdmin: false,
  kind: 'client' as const,
  claims: {},
});

describe('lookUpAccount', () => {
  it('maps a person to the same name by default', () => {
    expect(lookUpAccount(mapping({}), person('alice'))).toEqual({
      account: 'alice',
      rule: 'sameName',
    });
  });

  it('tries table, then patterns, then the claim, then the same name', () => {
    const m = mapping({
      table: { 'alice@uni.example': 'ali' },
      patterns: [{ match: '^(?<u>[a-z]+)@uni\\.example$', account: 'u_$<u>' }],
      claim: 'hpc_username',
    });
    expect(lookUpAccount(m, person('alice@uni.example')).account).toBe('ali');
    expect(lookUpAccount(m, person('bob@uni.example')).account).toBe('u_bob');
    expect(lookUpAccount(m, person('carol', { hpc_username: 'c0042' })).account).toBe('c0042');
    expect(lookUpAccount(m, person('dave')).account).toBe('dave');
  });

  it('fills $1 and requires the whole name to match a pattern', () => {
    const m = mapping({
      patterns: [{ match: '([a-z]+)@uni\\.example', account: '$1' }],
      sameName: false,
    });
    expect(lookUpAccount(m, person('bob@uni.example')).account).toBe('bob');
    expect(lookUpAccount(m, person('bob@uni.example.evil')).account).toBeNull();
  });

  it('maps a bot only through the table, never by its name, a pattern or a claim', () => {
    const m = mapping({
      table: { 'ci-runner': 'hpcbot' },
      patterns: [{ match: '.*', account: 'x' }],
      claim: 'hpc_username',
    });
    expect(lookUpAccount(m, bot('ci-runner'))).toEqual({ account: 'hpcbot', rule: 'table' });
    const other = lookUpAccount(m, bot('alice'));
    expect(other.account).toBeNull();
    expect('reason' in other && other.reason).toMatch(/client-credentials/);
  });

  it('never gives root, an account in the deny list, or a name that is not a Unix account', () => {
    const m = mapping({ deny: ['slurm'], claim: 'hpc_username' });
    expect(lookUpAccount(m, person('root')).account).toBeNull();
    expect(lookUpAccount(m, person('slurm')).account).toBeNull();
    expect(lookUpAccount(m, person('x', { hpc_username: 'root' })).account).toBeNull();
    for (const hostile of ['Alice', 'a b', 'a;id', '../etc', '-oProxyCommand=x', 'a'.repeat(33)]) {
      expect(lookUpAccount(m, person(hostile)).account, hostile).toBeNull();
    }
  });

  it('with sameName off, a person no rule names has no account', () => {
    const m = mapping({ sameName: false, table: { alice: 'alice' } });
    expect(lookUpAccount(m, person('bob')).account).toBeNull();
  });
});
