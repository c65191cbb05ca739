/**
 * The one quoting function for everything that reaches a remote shell: wraps the value in single
 * quotes, where nothing is special, and writes each single quote as '\''. NUL cannot be passed
 * through a shell at all, so it is refused.
 */
export function shellQuote(value: string): string {
  if (value.includes('\u0000')) throw new Error('a shell argument cannot contain NUL');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each word and joins them into one command line. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}
