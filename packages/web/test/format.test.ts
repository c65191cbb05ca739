import { describe, expect, it } from 'vitest';
import { formatBytes, formatTime, remoteStateText, showingCount } from '../src/format.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [10 * 1024, '10 KiB'],
    [1024 * 1024 - 1, '1.0 MiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
    [200 * 1024 ** 4, '200 TiB'],
  ])('%d bytes: %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });

  it('says nothing for what is not a size', () => {
    expect(formatBytes(-1)).toBe('');
    expect(formatBytes(Number.NaN)).toBe('');
  });
});

describe('formatTime', () => {
  it('writes an ISO time as date and time', () => {
    expect(formatTime('2025-03-04T05:06:07.000Z', true)).toBe('2025-03-04 05:06:07');
    expect(formatTime('2025-12-31T23:59:59+00:00', true)).toBe('2025-12-31 23:59:59');
  });

  it('in the local zone by default', () => {
    const d = new Date('2025-03-04T05:06:07.000Z');
    expect(formatTime(d.toISOString())).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(formatTime(d.toISOString()).slice(-2)).toBe('07');
  });

  it('leaves out what is missing and keeps what is not a time', () => {
    expect(formatTime(null)).toBe('');
    expect(formatTime('')).toBe('');
    expect(formatTime('soon')).toBe('soon');
  });
});

describe('texts', () => {
  it('counts jobs', () => {
    expect(showingCount(0)).toBe('Showing 0 jobs');
    expect(showingCount(1)).toBe('Showing 1 job');
    expect(showingCount(120)).toBe('Showing 120 jobs');
  });

  it("joins Slurm's state and reason", () => {
    expect(remoteStateText('PENDING', 'Resources')).toBe('PENDING (Resources)');
    expect(remoteStateText('RUNNING', 'None')).toBe('RUNNING');
    expect(remoteStateText(null, null)).toBe('');
  });
});
