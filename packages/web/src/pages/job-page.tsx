import type { Job, JobStatus, StopMode } from '@hpcgate/contract';
import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api/client.js';
import type { StreamState } from '../api/event-source.js';
import { cancelJob } from '../api/jobs.js';
import { Alert } from '../components/alert.js';
import { HistoryTimeline } from '../components/history-timeline.js';
import { JobDetails, StopRequestInfo } from '../components/job-details.js';
import { LogTail } from '../components/log-tail.js';
import { OutputsTable } from '../components/outputs-table.js';
import { StopDialog } from '../components/stop-dialog.js';
import { TasksTable } from '../components/tasks-table.js';
import { useLiveJob } from '../live/use-live-job.js';
import {
  applicableModes,
  hasParts,
  isTerminalStatus,
  MODES,
  stopNotice,
  stopWasSent,
} from '../stop-modes.js';

interface Notice {
  mode: StopMode;
  statusAtRequest: JobStatus;
}

/** One job: its details, live status and history, stop buttons, log tail, tasks and files. */
export function JobPage({ jobId }: { jobId: string }) {
  const live = useLiveJob(jobId);
  const { job } = live;
  const [dialog, setDialog] = useState<StopMode | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [stopError, setStopError] = useState<string | null>(null);

  useEffect(() => {
    setDialog(null);
    setNotice(null);
    setStopError(null);
  }, [jobId]);

  useEffect(() => {
    document.title = job ? `${job.name} · hpcgate` : 'Job · hpcgate';
  }, [job?.name]);

  if (!job) {
    return live.loadError ? (
      <>
        <h1>{live.loadError.status === 404 ? 'Job not found' : 'The job could not be read'}</h1>
        <Alert message={live.loadError.message} />
      </>
    ) : (
      <p class="muted">Reading the job…</p>
    );
  }

  const modes = applicableModes(job);

  const confirm = async (mode: StopMode) => {
    const statusAtRequest = job.status;
    setDialog(null);
    setStopError(null);
    setNotice(null);
    try {
      live.setJob(await cancelJob(job.id, mode));
      setNotice({ mode, statusAtRequest });
    } catch (err) {
      setStopError(errorMessage(err));
      // A stale page (the job ended meanwhile): read it again so that the buttons are right.
      live.refetch();
    }
  };

  return (
    <>
      <h1 class="job-title">{job.name}</h1>
      <p class="muted job-id">
        Job <code>{job.id}</code>
        <span class="live-state"> · {streamText(live.stream, isTerminalStatus(job.status))}</span>
      </p>
      {notice ? (
        <p role="status" data-testid="stop-notice" class="notice">
          {stopNotice(
            notice.mode,
            stopWasSent(job.stopRequest),
            notice.statusAtRequest,
            job.status,
          )}
        </p>
      ) : null}
      <Alert message={stopError} />
      {modes.length > 0 ? (
        <section class="stop-buttons" aria-label="Stop this job">
          {modes.map((m) => (
            <button key={m} type="button" class="danger" onClick={() => setDialog(m)}>
              {MODES[m].label}
            </button>
          ))}
        </section>
      ) : null}
      <JobDetails job={job} />
      <StopRequestInfo job={job} />
      {hasParts(job) && live.tasks ? <TasksTable tasks={live.tasks} /> : null}
      <LogTail jobId={job.id} neverRan={neverRan(job)} />
      <OutputsTable jobId={job.id} outputs={live.outputs} onRefresh={live.refreshOutputs} />
      <HistoryTimeline events={live.history} />
      {dialog ? (
        <StopDialog
          job={job}
          mode={dialog}
          onClose={() => setDialog(null)}
          onConfirm={(m) => void confirm(m)}
        />
      ) : null}
    </>
  );
}

function streamText(state: StreamState, over: boolean): string {
  if (state === 'open') return 'live';
  if (state === 'connecting') return 'connecting…';
  return over ? 'final' : 'live updates stopped: reload the page to resume them';
}

/** Ended before it started (cancelled while queued, refused by sbatch): there is no log to read. */
function neverRan(job: Job): boolean {
  return isTerminalStatus(job.status) && job.remoteStarted === null;
}
