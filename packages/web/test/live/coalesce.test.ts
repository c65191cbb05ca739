import { describe, expect, it } from 'vitest';
import { createCoalescer } from '../../src/live/coalesce.js';

/** A hand-run clock and fetches that end when the test says. */
function setup(maxRunning = 4) {
  const timers: (() => void)[] = [];
  const runs: { key: string; done: () => void }[] = [];
  const c = createCoalescer(
    (key) =>
      new Promise<void>((resolve) => {
        runs.push({ key, done: resolve });
      }),
    { delayMs: 50, maxRunning, schedule: (fn) => timers.push(fn) },
  );
  const tick = () => {
    for (const fn of timers.splice(0)) fn();
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { c, runs, tick, settle };
}

describe('createCoalescer', () => {
  it('makes one fetch of a burst for one key, one per key', () => {
    const { c, runs, tick } = setup();
    for (let i = 0; i < 5; i++) c.poke('a');
    c.poke('b');
    tick();
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
  });

  it('fetches once more after a fetch that events came during, never two at once', async () => {
    const { c, runs, tick, settle } = setup();
    c.poke('a');
    tick();
    c.poke('a');
    c.poke('a');
    tick();
    expect(runs).toHaveLength(1);
    runs[0]?.done();
    await settle();
    tick();
    expect(runs).toHaveLength(2);
    runs[1]?.done();
    await settle();
    tick();
    expect(runs).toHaveLength(2);
  });

  it('runs at most maxRunning fetches at once, the rest as slots free up', async () => {
    const { c, runs, tick, settle } = setup(2);
    for (const key of ['a', 'b', 'c', 'd']) c.poke(key);
    tick();
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
    runs[0]?.done();
    await settle();
    expect(runs.map((r) => r.key)).toEqual(['a', 'b', 'c']);
    runs[1]?.done();
    runs[2]?.done();
    await settle();
    expect(runs.map((r) => r.key)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('starts nothing once stopped', () => {
    const { c, runs, tick } = setup();
    c.poke('a');
    c.stop();
    tick();
    c.poke('b');
    tick();
    expect(runs).toHaveLength(0);
  });
});
