import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '@hpcgate/sdk';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode, toCliError, worstExitCode } from '../src/errors.js';

const api = <T>(Class: new (...a: never[]) => T, status: number) =>
  new (Class as unknown as new (...a: unknown[]) => T)(status, 'CODE', 'msg', undefined, {});

describe('toCliError', () => {
  it.each([
    [api(BadRequestError, 400), ExitCode.USAGE],
    [api(AuthenticationError, 401), ExitCode.AUTH],
    [api(PermissionDeniedError, 403), ExitCode.AUTH],
    [api(NotFoundError, 404), ExitCode.NOT_FOUND],
    [api(ConflictError, 409), ExitCode.CONFLICT],
    [api(RateLimitError, 429), ExitCode.SERVER],
    [api(ServerError, 500), ExitCode.SERVER],
    [new ConnectionError('refused'), ExitCode.SERVER],
    [new TimeoutError('slow'), ExitCode.SERVER],
    [new InvalidResponseError('odd'), ExitCode.SERVER],
    [new Error('anything else'), ExitCode.USAGE],
  ])('%s → %i', (err, code) => {
    expect(toCliError(err).exitCode).toBe(code);
  });

  it('keeps a CliError; the worst of several codes is the highest', () => {
    const e = new CliError('x', 3);
    expect(toCliError(e)).toBe(e);
    expect(worstExitCode([])).toBe(0);
    expect(worstExitCode([0, 2, 3, 0])).toBe(3);
  });
});
