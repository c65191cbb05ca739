import type { JobStatus } from '@hpcgate/contract';

/** A shape for each status, so that the state never rests on colour alone. */
const GLYPHS: Record<JobStatus, string> = {
  PROCESSING_INPUTS: '◌',
  PENDING: '○',
  RUNNING: '▶',
  FINISHED: '✓',
  FAILED: '✕',
  CANCELLED: '⊘',
};

/** The status word as the gateway says it; `testId` names the span holding exactly that word. */
export function StatusBadge({ status, testId = 'status' }: { status: JobStatus; testId?: string }) {
  return (
    <span class={`badge badge-${status.toLowerCase().replace('_', '-')}`}>
      <span class="badge-glyph" aria-hidden="true">
        {GLYPHS[status] ?? '•'}
      </span>
      <span data-testid={testId}>{status}</span>
    </span>
  );
}
