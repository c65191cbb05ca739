import type { LogChunk, LogEnd, LogSkipped, LogStream } from '@hpcgate/contract';
import { useEffect, useState } from 'preact/hooks';
import { openStream, type StreamState } from '../api/event-source.js';
import { logsUrl } from '../api/jobs.js';
import { formatBytes } from '../format.js';
import { appendLog, EMPTY_LOG, MAX_LOG_LINES } from '../log-buffer.js';

const STREAMS: readonly LogStream[] = ['stdout', 'stderr'];

/**
 * The job's stdout or stderr followed live; only the last lines stay in the page. A job that
 * ended without ever running has no log at all: no stream is opened for it.
 */
export function LogTail({ jobId, neverRan }: { jobId: string; neverRan: boolean }) {
  const [stream, setStream] = useState<LogStream>('stdout');
  const [log, setLog] = useState(EMPTY_LOG);
  const [skipped, setSkipped] = useState<LogSkipped[]>([]);
  const [end, setEnd] = useState<LogEnd | null>(null);
  const [state, setState] = useState<StreamState>('connecting');
  // Bumped to open a stream again after it was refused or cut.
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setLog(EMPTY_LOG);
    setSkipped([]);
    setEnd(null);
    if (neverRan) return;
    const s = openStream(logsUrl(jobId, stream), {
      onState: setState,
      events: {
        log: (data) => setLog((buf) => appendLog(buf, (data as LogChunk).text)),
        skipped: (data) => setSkipped((list) => [...list, data as LogSkipped]),
        end: (data) => {
          setEnd(data as LogEnd);
          // Over: without close() the EventSource would reconnect by itself.
          s.close();
          setState('closed');
        },
      },
    });
    return () => s.close();
  }, [jobId, stream, attempt, neverRan]);

  return (
    <section class="log-tail" aria-labelledby="log-heading">
      <h2 id="log-heading">Log</h2>
      <fieldset class="toggle">
        <legend class="visually-hidden">Log stream</legend>
        {STREAMS.map((name) => (
          <button
            key={name}
            type="button"
            aria-pressed={stream === name}
            onClick={() => {
              if (name !== stream) setStream(name);
              else if (state === 'closed' && !end) setAttempt((n) => n + 1);
            }}
          >
            {name}
          </button>
        ))}
      </fieldset>
      {skipped.map((s) => (
        <p key={`${s.from}-${s.to}`} class="note" data-testid="log-skipped">
          {`${formatBytes(s.to - s.from)} of ${stream} left out here (bytes ${s.from}–${s.to}: ${s.reason}); download the file to read them.`}
        </p>
      ))}
      <pre data-testid="log" class="log">
        {log.lines.join('\n')}
      </pre>
      <p class="muted" data-testid="log-state">
        {neverRan
          ? 'No log: the job ended without ever running.'
          : end
            ? `End of ${stream} (job ${end.status}).`
            : state === 'open'
              ? `Following ${stream} live; the last ${MAX_LOG_LINES} lines are kept here.`
              : state === 'connecting'
                ? `Connecting to ${stream}…`
                : `The ${stream} stream was refused or cut; choose ${stream} again to retry.`}
      </p>
    </section>
  );
}
