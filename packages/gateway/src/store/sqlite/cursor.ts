import { InvalidCursorError } from '../job-store.js';

/** A page cursor: two strings (a sort key and an id), opaque to the client. */
export function encodeCursor(a: string, b: string): string {
  return Buffer.from(JSON.stringify([a, b])).toString('base64url');
}

/** Throws InvalidCursorError for anything encodeCursor did not make. */
export function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'string')) {
      return v as [string, string];
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError('cursor is not one this gateway returned');
}
