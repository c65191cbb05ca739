import type { Job } from '@hpcgate/contract';
import type { ComponentChildren } from 'preact';
import { formatBytes, formatTime, remoteStateText } from '../format.js';
import { jobHref } from '../router.js';
import { StatusBadge } from './status-badge.js';

function Row({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** A value that may be empty: the testid span holds exactly the value ('' when none). */
const Value = ({ testId, text }: { testId?: string; text: string | number | null | undefined }) => (
  <span class="value" data-testid={testId}>
    {text ?? ''}
  </span>
);

const Time = ({ iso }: { iso: string | null }) =>
  iso ? (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  ) : (
    <span class="value" />
  );

/** What the gateway knows of the job, every value as text. */
export function JobDetails({ job }: { job: Job }) {
  return (
    <dl class="details">
      <Row label="Status">
        <StatusBadge status={job.status} testId="job-status" />
      </Row>
      <Row label="Condition">
        <Value testId="job-condition" text={job.condition} />
      </Row>
      <Row label="Slurm state">
        <Value testId="remote-state" text={remoteStateText(job.remoteState, job.remoteReason)} />
      </Row>
      <Row label="Exit code">
        <Value testId="exit-code" text={job.exitCode} />
        {job.exitSignal !== null ? (
          <span data-testid="exit-signal"> (signal {job.exitSignal})</span>
        ) : null}
      </Row>
      <Row label="Last message">
        <Value testId="last-message" text={job.lastMessage} />
      </Row>
      <Row label="Created">
        <Time iso={job.created} />
      </Row>
      <Row label="Queued by Slurm">
        <Time iso={job.remoteSubmitted} />
      </Row>
      <Row label="Started">
        <Time iso={job.remoteStarted} />
      </Row>
      <Row label="Ended">
        <Time iso={job.ended} />
      </Row>
      <Row label="System">
        <Value testId="system" text={job.execSystemId} />
      </Row>
      <Row label="Slurm id">
        <Value testId="slurm-id" text={job.remoteJobId} />
      </Row>
      <Row label="Owner">
        <Value testId="owner" text={job.owner} />
        {job.remoteUser ? <span> (runs as {job.remoteUser})</span> : null}
      </Row>
      <Row label="Tags">
        <Value text={job.tags.join(', ')} />
      </Row>
      {job.description ? (
        <Row label="Description">
          <Value text={job.description} />
        </Row>
      ) : null}
      {job.output ? (
        <Row label="Logs saved">
          <Value
            text={`${formatBytes(job.output.bytes)}${job.output.collected ? ' after the end' : ' while it ran'}${job.output.truncated ? ' (only the end of a longer log)' : ''}`}
          />
        </Row>
      ) : null}
      {job.resubmittedFrom ? (
        <Row label="Resubmitted from">
          <a href={jobHref(job.resubmittedFrom)}>{job.resubmittedFrom}</a>
        </Row>
      ) : null}
      {job.resubmittedAs ? (
        <Row label="Resubmitted as">
          <a href={jobHref(job.resubmittedAs)}>{job.resubmittedAs}</a>
        </Row>
      ) : null}
    </dl>
  );
}

/** The stop request on the job, as the gateway records it. */
export function StopRequestInfo({ job }: { job: Job }) {
  const r = job.stopRequest;
  if (!r) return null;
  return (
    <section data-testid="stop-request" class="stop-request" aria-labelledby="stop-request-heading">
      <h2 id="stop-request-heading">Stop request</h2>
      <dl class="details">
        <Row label="Mode">
          <Value testId="stop-mode" text={r.mode} />
          {r.tasks ? <span> (tasks {r.tasks})</span> : null}
        </Row>
        <Row label="Requested at">
          <Time iso={r.requestedAt} />
          <span> by {r.requestedBy}</span>
        </Row>
        <Row label="Outcome">
          <Value testId="stop-outcome" text={r.outcome} />
        </Row>
        <Row label="Message">
          <Value testId="stop-message" text={r.message} />
        </Row>
        {r.escalation ? (
          <Row label="Escalation">
            <Value
              text={`${r.escalation.steps.map((s) => `${s.to} after ${s.afterSeconds} s`).join(', then ')}; next due ${formatTime(r.escalation.dueAt)}`}
            />
          </Row>
        ) : null}
      </dl>
    </section>
  );
}
