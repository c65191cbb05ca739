import { describe, expect, it } from 'vitest';
import { InProcessJobLocks } from '../../src/coordination/job-locks.js';

// One lock per job: runs in order, twins shared, many held at once.
describe('InProcessJobLocks', () => {
  it("runs one job's work in order, shares a twin, and tells who holds the job", async () => {
    const locks = new InProcessJobLocks();
    const order: string[] = [];
    let release = () => {};
    const first = locks.run('j', 'submit', 'submit', async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      order.push('submit');
    });
    const stop = locks.run('j', 'signal', 'stop:cancel', async () => order.push('stop'));
    const twin = locks.run('j', 'signal', 'stop:cancel', async () => order.push('twin'));
    expect(locks.holder('j')).toBe('submit');
    await new Promise((r) => setTimeout(r, 0));
    release();
    await Promise.all([first, stop, twin]);
    expect(order).toEqual(['submit', 'stop']);
    expect(locks.holder('j')).toBeNull();
  });

  it('two holds over the same jobs at the same moment each get them, one after the other', async () => {
    const locks = new InProcessJobLocks();
    const releaseFirst = await locks.hold(['a', 'b'], 'signal');
    const second = locks.hold(['a', 'c'], 'signal');
    let got = false;
    void second.then(() => {
      got = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBe(false);
    releaseFirst();
    const releaseSecond = await second;
    expect(locks.holder('a')).toBe('signal');
    expect(locks.holder('b')).toBeNull();
    releaseSecond();
    await locks.settle();
    expect([locks.holder('a'), locks.holder('c')]).toEqual([null, null]);
  });
});
