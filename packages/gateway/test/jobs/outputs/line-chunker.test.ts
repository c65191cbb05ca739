import { describe, expect, it } from 'vitest';
import {
  type ChunkerOutput,
  LineChunker,
  MAX_CHUNK_BYTES,
} from '../../../src/jobs/outputs/line-chunker.js';

function chunker(start = 0) {
  const out: ChunkerOutput[] = [];
  return { c: new LineChunker(start, (o) => out.push(o)), out };
}

describe('LineChunker', () => {
  it('sends whole lines and holds a partial one until its newline', () => {
    const { c, out } = chunker();
    c.push(0, Buffer.from('one\ntw'));
    expect(out).toEqual([{ kind: 'chunk', chunk: { offset: 0, text: 'one\n', next: 4 } }]);
    expect(c.sentUpTo).toBe(4);
    c.push(6, Buffer.from('o\nthree\n'));
    expect(out[1]).toEqual({ kind: 'chunk', chunk: { offset: 4, text: 'two\nthree\n', next: 14 } });
  });

  it('drops bytes already passed (a catch-up overlapping the live reader)', () => {
    const { c, out } = chunker();
    c.push(0, Buffer.from('a\nb\n'));
    c.push(2, Buffer.from('b\nc\n'));
    expect(out.map((o) => (o.kind === 'chunk' ? o.chunk.text : o))).toEqual(['a\nb\n', 'c\n']);
  });

  it('counts offsets in bytes, not characters', () => {
    const { c, out } = chunker(10);
    c.push(10, Buffer.from('é€\n'));
    expect(out[0]).toEqual({ kind: 'chunk', chunk: { offset: 10, text: 'é€\n', next: 16 } });
  });

  it('tells a gap as skipped, after sending what it held', () => {
    const { c, out } = chunker();
    c.push(0, Buffer.from('a\npartial'));
    c.push(100, Buffer.from('z\n'));
    expect(out).toEqual([
      { kind: 'chunk', chunk: { offset: 0, text: 'a\n', next: 2 } },
      { kind: 'chunk', chunk: { offset: 2, text: 'partial', next: 9 } },
      { kind: 'skipped', from: 9, to: 100 },
      { kind: 'chunk', chunk: { offset: 100, text: 'z\n', next: 102 } },
    ]);
  });

  it('cuts a line longer than one event, and flushes the last piece', () => {
    const { c, out } = chunker();
    c.push(0, Buffer.alloc(MAX_CHUNK_BYTES * 2 + 5, 'x'));
    expect(out).toHaveLength(2);
    c.flush();
    expect(out).toHaveLength(3);
    const last = out[2] as { chunk: { offset: number; next: number } };
    expect(last.chunk).toMatchObject({
      offset: MAX_CHUNK_BYTES * 2,
      next: MAX_CHUNK_BYTES * 2 + 5,
    });
  });
});
