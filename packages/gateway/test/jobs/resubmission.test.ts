import { describe, expect, it } from 'vitest';
import { InvalidJobRequestError } from '../../src/domain/errors.js';
import { resubmitParams } from '../../src/jobs/resubmission.js';
import { record } from '../store/fixtures.js';

// How a resubmission's submit is made from the old job and the overrides (no store, no cluster).
describe('resubmitParams', () => {
  const old = record(1, {
    name: 'nightly',
    execSystemId: 'sandbox',
    command: 'sleep 60',
    args: ['a'],
    env: { A: '1' },
    maxMinutes: 5,
    tags: ['t'],
    exclusiveKey: 'nightly',
  });

  it('keeps every submit parameter a field does not override', () => {
    expect(resubmitParams(old, { maxMinutes: 9 })).toEqual({
      name: 'nightly',
      execSystemId: 'sandbox',
      command: 'sleep 60',
      args: ['a'],
      env: { A: '1' },
      maxMinutes: 9,
      tags: ['t'],
      exclusive: true,
    });
  });

  it('a script replaces the command; an exclusive key replaces exclusive; a new name is the new key', () => {
    const p = resubmitParams(old, { script: '#!/bin/sh\ntrue\n', exclusiveKey: 'shared' });
    expect(p.command).toBeUndefined();
    expect(p.script).toBe('#!/bin/sh\ntrue\n');
    expect(p).toMatchObject({ exclusiveKey: 'shared' });
    expect(p.exclusive).toBeUndefined();
    expect(resubmitParams(old, { name: 'other' })).toMatchObject({
      name: 'other',
      exclusive: true,
    });
    expect(resubmitParams(old, { exclusive: false }).exclusive).toBe(false);
    // Empty lists given are kept as given: they clear the old ones.
    expect(resubmitParams(old, { tags: [], args: [] })).toMatchObject({ tags: [], args: [] });
  });

  it('refuses what a submit refuses, naming the field', () => {
    const both = () => resubmitParams(old, { script: 'true', command: 'true' });
    expect(both).toThrow(InvalidJobRequestError);
    expect(both).toThrow(/^body\.script: give exactly one of script, command/);
    const contradiction = () => resubmitParams(old, { exclusive: false, exclusiveKey: 'k' });
    expect(contradiction).toThrow(/body\.exclusive/);
  });
});
