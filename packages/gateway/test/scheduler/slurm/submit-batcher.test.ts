import { describe, expect, it } from 'vitest';
import { Batcher, type Settled } from '../../../src/scheduler/slurm/submit-batcher.js';

// The batcher alone, over a sender that records each batch and answers when the test says so.
function recording(limits = { inFlight: 2, maxItems: 3, maxBytes: 100 }) {
  const sent: { key: string; items: string[]; answer: (s: Settled<string>[] | Error) => void }[] =
    [];
  const batcher = new Batcher<string, string>(
    limits,
    (item) => item.length,
    (key, items) =>
      new Promise((resolve, reject) => {
        sent.push({
          key,
          items,
          answer: (s) => (s instanceof Error ? reject(s) : resolve(s)),
        });
      }),
  );
  return { batcher, sent };
}
const echo = (items: string[]): Settled<string>[] =>
  items.map((i) => ({ ok: true, value: `id-${i}` }));
const tick = () => new Promise((r) => setImmediate(r));

describe('Batcher', () => {
  it('sends at once while fewer than inFlight are under way, then the waiting ones together', async () => {
    const { batcher, sent } = recording();
    const results = ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => batcher.add('carol', i));
    await tick();
    expect(sent.map((s) => s.items)).toEqual([['a'], ['b']]);
    sent[0]!.answer(echo(sent[0]!.items));
    await tick();
    // At most maxItems in one batch, oldest first.
    expect(sent.map((s) => s.items)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    sent[1]!.answer(echo(sent[1]!.items));
    await tick();
    expect(sent[3]!.items).toEqual(['f']);
    for (const s of sent.slice(2)) s.answer(echo(s.items));
    expect(await Promise.all(results)).toEqual(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((i) => `id-${i}`),
    );
  });

  it('keeps to maxBytes, and sends an item bigger than that alone', async () => {
    const { batcher, sent } = recording({ inFlight: 1, maxItems: 10, maxBytes: 100 });
    const big = 'x'.repeat(150);
    const all = ['a', 'y'.repeat(60), 'z'.repeat(50), big, 'b'].map((i) => batcher.add('k', i));
    for (let n = 0; n < 5; n++) {
      await tick();
      sent[n]!.answer(echo(sent[n]!.items));
    }
    await Promise.all(all);
    expect(sent.map((s) => s.items.map((i) => i.length))).toEqual([[1], [60], [50], [150], [1]]);
  });

  it("gives each item its own outcome; a failed send fails that batch's items only", async () => {
    const { batcher, sent } = recording({ inFlight: 1, maxItems: 10, maxBytes: 100 });
    const first = batcher.add('k', 'a');
    const [b, c] = [batcher.add('k', 'b'), batcher.add('k', 'c')];
    await tick();
    sent[0]!.answer(new Error('connection dropped'));
    await expect(first).rejects.toThrow('connection dropped');
    await tick();
    expect(sent[1]!.items).toEqual(['b', 'c']);
    sent[1]!.answer([
      { ok: false, error: new Error('refused') },
      { ok: true, value: 'id-c' },
    ]);
    await expect(b).rejects.toThrow('refused');
    await expect(c).resolves.toBe('id-c');
  });

  it('an outcome missing from the answer fails that item', async () => {
    const { batcher, sent } = recording({ inFlight: 1, maxItems: 10, maxBytes: 100 });
    const a = batcher.add('k', 'a');
    await tick();
    sent[0]!.answer([]);
    await expect(a).rejects.toThrow(/no outcome/);
  });

  it('keys do not wait for each other', async () => {
    const { batcher, sent } = recording({ inFlight: 1, maxItems: 10, maxBytes: 100 });
    void batcher.add('alice', 'a');
    void batcher.add('bob', 'b');
    void batcher.add('alice', 'c');
    await tick();
    expect(sent.map((s) => [s.key, s.items])).toEqual([
      ['alice', ['a']],
      ['bob', ['b']],
    ]);
  });

  it('refuses limits below one', () => {
    expect(
      () =>
        new Batcher(
          { inFlight: 0, maxItems: 1, maxBytes: 1 },
          () => 0,
          async () => [],
        ),
    ).toThrow();
  });
});
