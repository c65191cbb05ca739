/**
 * For a command that runs until the person stops it (`jobs watch` without an id): a signal that
 * aborts on the first Ctrl-C (SIGINT) or SIGTERM, so that the command ends as any other does
 * (its stream closed, its exit code returned by main) rather than the process dying mid-draw.
 * A second Ctrl-C finds no listener and kills the process as usual, should the first not end it.
 */
export function untilInterrupted(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    },
  };
}
