/** What every resource method takes besides its own parameters. */
export interface CallOptions {
  /** Aborts the call (and a stream it opened). */
  signal?: AbortSignal;
}
