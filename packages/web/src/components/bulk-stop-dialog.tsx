import type { JobSelector, StopJobsResponse, StopMode } from '@hpcgate/contract';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.js';
import { stopJobs } from '../api/jobs.js';
import { BULK_MODES, MODES } from '../stop-modes.js';
import { Alert } from './alert.js';
import { ConfirmWord } from './confirm-word.js';
import { Modal } from './modal.js';
import { StatusBadge } from './status-badge.js';

interface BulkStopDialogProps {
  /** What the what-if is asked about: checked ids, or the list's filter. */
  selector: JobSelector;
  onClose: () => void;
  /** The real stop's answer. */
  onDone: (answer: StopJobsResponse) => void;
}

/**
 * A bulk stop in two steps: the what-if lists what would be stopped, and the real stop names
 * exactly those ids, so that nothing beyond what was shown is stopped.
 */
export function BulkStopDialog({ selector, onClose, onDone }: BulkStopDialogProps) {
  const titleId = useId();
  const modeId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [mode, setMode] = useState<StopMode>('cancel');
  const [preview, setPreview] = useState<StopJobsResponse | null>(null);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const asked = useRef(0);

  useEffect(() => {
    const ask = ++asked.current;
    setPreview(null);
    setError(null);
    stopJobs(selector, mode, true).then(
      (answer) => ask === asked.current && setPreview(answer),
      (err) => ask === asked.current && setError(errorMessage(err)),
    );
  }, [mode, selector]);

  const wouldStop = preview?.results.filter((r) => r.outcome === 'would_stop') ?? [];
  const others = (preview?.results.length ?? 0) - wouldStop.length;
  const n = wouldStop.length;
  const ready = preview !== null && preview.mode === mode && typed === mode && n > 0 && !sending;

  const confirm = async () => {
    if (!ready) return;
    setSending(true);
    setError(null);
    const ids = wouldStop.map((r) => r.jobId);
    const scoped: JobSelector = selector.owner ? { ids, owner: selector.owner } : { ids };
    try {
      onDone(await stopJobs(scoped, mode, false));
    } catch (err) {
      setError(errorMessage(err));
      setSending(false);
    }
  };

  return (
    <Modal titleId={titleId} onClose={onClose} initialFocus={input}>
      <form
        class="dialog-body"
        onSubmit={(ev) => {
          ev.preventDefault();
          void confirm();
        }}
      >
        <h2 id={titleId}>Stop jobs</h2>
        <p class="field">
          <label for={modeId}>Mode</label>
          <select
            id={modeId}
            value={mode}
            onChange={(ev) => {
              setMode(ev.currentTarget.value as StopMode);
              setTyped('');
            }}
          >
            {BULK_MODES.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </p>
        <p>{MODES[mode].description}</p>
        {preview === null && error === null ? (
          <p class="muted">Asking the gateway what would be stopped…</p>
        ) : null}
        {preview ? (
          <>
            <p data-testid="whatif-count">
              {n === 1 ? '1 job would be stopped' : `${n} jobs would be stopped`}
              {others > 0 ? ` (${others} other matching ${others === 1 ? 'job' : 'jobs'} not)` : ''}
              .
            </p>
            <ul data-testid="whatif-list" class="whatif-list">
              {wouldStop.map((r) => (
                <li key={r.jobId} data-job-id={r.jobId}>
                  <span class="job-name">{r.name}</span>{' '}
                  <StatusBadge status={r.status} testId="whatif-status" />
                </li>
              ))}
            </ul>
            <p class="muted">{preview.message}</p>
          </>
        ) : null}
        <Alert message={error} />
        <ConfirmWord word={mode} value={typed} onInput={setTyped} inputRef={input} />
        <p class="actions">
          <button type="submit" class="danger" disabled={!ready}>
            {`Stop ${n} ${n === 1 ? 'job' : 'jobs'}`}
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </p>
      </form>
    </Modal>
  );
}
