import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fastWidth } from '../bundle/string-width-fast.js';

// The bundle answers string-width's question itself for plain text (bundle/build.mjs): it must
// give what every copy of string-width that yargs and cliui use would give.
const from = (file: string) => createRequire(file);
const yargsMain = from(import.meta.url).resolve('yargs');
const cliuiMain = from(yargsMain).resolve('cliui');
const wrapAnsiMain = from(cliuiMain).resolve('wrap-ansi');
const copies = await Promise.all(
  [yargsMain, cliuiMain, wrapAnsiMain].map(async (importer) => {
    const path = from(importer).resolve('string-width');
    const mod = (await import(pathToFileURL(path).href)) as { default: (s: string) => number };
    return { path, width: mod.default };
  }),
);

const ranges: [number, number][] = [
  [0x20, 0x7e],
  [0xa0, 0xa8],
  [0xaa, 0xac],
  [0xaf, 0xff],
  [0x2010, 0x2027],
  [0x2190, 0x2193],
  [0x2264, 0x2265],
];
const oneColumn = ranges.flatMap(([a, b]) =>
  Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i)),
);

describe('the bundle’s string width', () => {
  it('is that of every string-width copy, for each character it answers for', () => {
    for (const c of oneColumn) {
      expect(fastWidth(c), c).toBe(1);
      for (const { path, width } of copies)
        expect(width(c), `${path}: U+${c.codePointAt(0)}`).toBe(1);
    }
    const text = `  --tasks  one page of at most this many tasks (1–1000) ≥ 0 … «x» ${oneColumn.join('')}`;
    for (const { width } of copies) expect(fastWidth(text)).toBe(width(text));
  });

  it('leaves everything else to string-width', () => {
    for (const s of [
      '\u001b[1mbold\u001b[0m',
      'tab\there',
      '日本',
      '😀',
      'e\u0301',
      '©',
      '\u00ad',
      '\u200b',
    ]) {
      expect(fastWidth(s), JSON.stringify(s)).toBeUndefined();
    }
    expect(fastWidth('')).toBe(0);
  });
});
