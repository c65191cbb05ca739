import type { Job } from '@hpcgate/contract';
import { formatTime } from '../format.js';
import { jobHref } from '../router.js';
import { StatusBadge } from './status-badge.js';

interface JobsTableProps {
  jobs: Job[];
  isAdmin: boolean;
  selected: ReadonlySet<string>;
  onToggle: (id: string, checked: boolean) => void;
}

const Time = ({ iso }: { iso: string | null }) =>
  iso ? (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  ) : null;

/** One row per job, newest first. */
export function JobsTable({ jobs, isAdmin, selected, onToggle }: JobsTableProps) {
  return (
    <table class="data jobs" aria-label="Jobs">
      <thead>
        <tr>
          <th scope="col">
            <span class="visually-hidden">Selected</span>
          </th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">Slurm state</th>
          <th scope="col">System</th>
          <th scope="col">Created</th>
          <th scope="col">Ended</th>
          {isAdmin ? <th scope="col">Owner</th> : null}
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id} data-testid="job-row" data-job-id={job.id}>
            <td>
              <input
                type="checkbox"
                aria-label={`Select ${job.name}`}
                checked={selected.has(job.id)}
                onChange={(ev) => onToggle(job.id, ev.currentTarget.checked)}
              />
            </td>
            <td>
              <a href={jobHref(job.id)}>{job.name}</a>
            </td>
            <td>
              <StatusBadge status={job.status} />
            </td>
            <td data-testid="remote-state">{job.remoteState ?? ''}</td>
            <td>{job.execSystemId}</td>
            <td>
              <Time iso={job.created} />
            </td>
            <td>
              <Time iso={job.ended} />
            </td>
            {isAdmin ? <td data-testid="owner">{job.owner}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
