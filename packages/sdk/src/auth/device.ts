import { AbortError, TimeoutError } from '../core/errors.js';
import { IdpClient, toTokens } from './idp.js';
import type { IdpOptions, Tokens } from './types.js';

export interface DeviceAuthorizationOptions extends IdpOptions {
  /** Default `openid offline_access` (a refresh token to stay signed in). */
  scope?: string;
  /** Only for a confidential client; device clients are usually public. */
  clientSecret?: string;
}

/** A started device authorization (RFC 8628): show the URL and code, then `wait()`. */
export interface DeviceAuthorization {
  /** Where the person goes, to type `userCode`. */
  verificationUri: string;
  /** The same with the code filled in, when the identity provider gives one. */
  verificationUriComplete?: string;
  userCode: string;
  /** Seconds the code stays valid. */
  expiresIn: number;
  /** Seconds between polls, as the identity provider asks (5 when it does not say). */
  interval: number;
  /**
   * Polls the token endpoint (at the identity provider's pace, slowing down when told to) until
   * the person approves, and resolves to the tokens. AuthenticationError when they deny it or
   * the code expires; TimeoutError after `expiresIn`; AbortError on `signal`.
   */
  wait(options?: { signal?: AbortSignal }): Promise<Tokens>;
}

/** Starts the OAuth device authorization grant, for signing in a person from a terminal. */
export async function deviceAuthorization(
  options: DeviceAuthorizationOptions,
): Promise<DeviceAuthorization> {
  const idp = new IdpClient(options);
  const scope = options.scope ?? 'openid offline_access';
  const response = await idp.call((oc, config) =>
    oc.initiateDeviceAuthorization(config, { scope }),
  );
  let waiting: Promise<Tokens> | undefined;
  const result: DeviceAuthorization = {
    verificationUri: response.verification_uri,
    userCode: response.user_code,
    expiresIn: response.expires_in,
    interval: response.interval ?? 5,
    wait: (waitOptions = {}) => {
      waiting ??= poll(waitOptions.signal);
      return waiting;
    },
  };
  if (response.verification_uri_complete) {
    result.verificationUriComplete = response.verification_uri_complete;
  }
  const poll = async (signal: AbortSignal | undefined): Promise<Tokens> => {
    const deadline = AbortSignal.timeout(response.expires_in * 1000);
    const stop = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      const polling = idp.call(
        (oc, config) =>
          oc.pollDeviceAuthorizationGrant(config, response, undefined, { signal: stop }),
        [response.device_code],
      );
      // openid-client looks at the signal only between waits (up to 5 s): answer an abort now.
      const res = await Promise.race([polling, aborted(stop)]);
      return toTokens(res, Date.now());
    } catch (err) {
      if (signal?.aborted) throw new AbortError('the sign-in was aborted');
      if (deadline.aborted && (err instanceof TimeoutError || err instanceof AbortError)) {
        throw new TimeoutError(`nobody approved the sign-in within ${response.expires_in} s`);
      }
      throw err;
    }
  };
  return result;
}

/** Rejects when `signal` aborts (with the SDK's error for its reason); never resolves. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const fail = () =>
      reject(
        (signal.reason as { name?: string } | undefined)?.name === 'TimeoutError'
          ? new TimeoutError('the device authorization expired')
          : new AbortError('the sign-in was aborted'),
      );
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
