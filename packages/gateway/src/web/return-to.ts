const MAX_RETURN_TO = 2048;

/**
 * Where the browser goes after signing in: a path of this gateway only. Anything that could leave
 * it (`//host`, `/\host`, a scheme, control characters) becomes `/`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > MAX_RETURN_TO) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  return value;
}
