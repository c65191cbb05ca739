import { describe, expect, it } from 'vitest';
import { appendLog, EMPTY_LOG } from '../src/log-buffer.js';

describe('appendLog', () => {
  it('splits whole lines', () => {
    const buf = appendLog(EMPTY_LOG, 'hello\nworld\n');
    expect(buf).toEqual({ lines: ['hello', 'world'], open: false });
    expect(appendLog(buf, 'again\n').lines).toEqual(['hello', 'world', 'again']);
  });

  it('continues a last line that had no newline yet', () => {
    const buf = appendLog(EMPTY_LOG, 'par');
    expect(buf).toEqual({ lines: ['par'], open: true });
    expect(appendLog(buf, 'tial\nnext\n')).toEqual({ lines: ['partial', 'next'], open: false });
  });

  it('keeps only the last lines', () => {
    let buf = EMPTY_LOG;
    for (let i = 0; i < 30; i++) buf = appendLog(buf, `line ${i}\n`, 10);
    expect(buf.lines).toHaveLength(10);
    expect(buf.lines[0]).toBe('line 20');
    expect(buf.lines.at(-1)).toBe('line 29');
  });

  it('keeps markup as the text it is', () => {
    expect(appendLog(EMPTY_LOG, '<script>alert(1)</script>\n').lines).toEqual([
      '<script>alert(1)</script>',
    ]);
  });

  it('keeps blank lines', () => {
    expect(appendLog(EMPTY_LOG, 'a\n\nb\n').lines).toEqual(['a', '', 'b']);
  });
});
