import type { Job, StopMode } from '@hpcgate/contract';
import { useId, useRef, useState } from 'preact/hooks';
import { MODES } from '../stop-modes.js';
import { ConfirmWord } from './confirm-word.js';
import { Modal } from './modal.js';
import { StatusBadge } from './status-badge.js';

interface StopDialogProps {
  job: Job;
  mode: StopMode;
  onClose: () => void;
  onConfirm: (mode: StopMode) => void;
}

/** One job's stop in one mode, confirmed by typing the mode's word. */
export function StopDialog({ job, mode, onClose, onConfirm }: StopDialogProps) {
  const info = MODES[mode];
  const titleId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [typed, setTyped] = useState('');
  const confirmed = typed === mode;

  return (
    <Modal titleId={titleId} onClose={onClose} initialFocus={input}>
      <form
        class="dialog-body"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (confirmed) onConfirm(mode);
        }}
      >
        <h2 id={titleId}>{info.label} job</h2>
        <p>{info.description}</p>
        <p class="dialog-job">
          <span class="job-name">{job.name}</span>{' '}
          <StatusBadge status={job.status} testId="dialog-status" />
        </p>
        <ConfirmWord word={mode} value={typed} onInput={setTyped} inputRef={input} />
        <p class="actions">
          <button type="submit" class="danger" disabled={!confirmed}>
            {info.label}
          </button>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </p>
      </form>
    </Modal>
  );
}
