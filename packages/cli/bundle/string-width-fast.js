// Widths as string-width gives them, without its start-up cost: importing it builds an
// Intl.Segmenter and Unicode-property regexes (tens of milliseconds on every run, for text that is
// nearly always plain). `fastWidth` answers for text made only of characters that are each one
// column wide and a grapheme of their own (test/bundle.test.ts checks every one of them against
// the real package); for anything else it returns undefined and the real function is used.
const ONE_COLUMN =
  /^[\u0020-\u007e\u00a0-\u00a8\u00aa-\u00ac\u00af-\u00ff\u2010-\u2027\u2190-\u2193\u2264\u2265]*$/;

/** @param {unknown} text @returns {number | undefined} */
export function fastWidth(text) {
  return typeof text === 'string' && ONE_COLUMN.test(text) ? text.length : undefined;
}
