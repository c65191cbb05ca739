import type { JobSelector, StopJobsResponse } from '@hpcgate/contract';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { StreamState } from '../api/event-source.js';
import type { Session } from '../api/session.js';
import { Alert } from '../components/alert.js';
import { BulkStopDialog } from '../components/bulk-stop-dialog.js';
import { FilterForm } from '../components/filter-form.js';
import { JobsTable } from '../components/jobs-table.js';
import {
  filterFromSearch,
  filterSelector,
  filterToSearch,
  idsSelector,
  type ListFilter,
} from '../filters.js';
import { showingCount } from '../format.js';
import { useLiveList } from '../live/use-live-list.js';
import { navigate } from '../router.js';

/** The caller's jobs (an admin's: everyone's, or one owner's), filtered by the URL's query. */
export function JobList({ session, search }: { session: Session; search: string }) {
  const { isAdmin } = session;
  const filter = useMemo(() => filterFromSearch(search), [search]);
  const [reload, setReload] = useState(0);
  const { list, loading, error, stream, loadMore } = useLiveList(filter, isAdmin, reload);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [bulk, setBulk] = useState<JobSelector | null>(null);
  const [result, setResult] = useState<StopJobsResponse | null>(null);

  useEffect(() => {
    setSelected(new Set());
    document.title = 'Jobs · hpcgate';
  }, [filter]);

  // Only what is shown can be checked: a row gone with a reload is no longer selected.
  const shown = new Set(list.jobs.map((j) => j.id));
  const checked = [...selected].filter((id) => shown.has(id));

  const apply = (next: ListFilter) => {
    navigate(`/${filterToSearch(next, isAdmin)}`);
    setReload((n) => n + 1);
  };

  const toggle = (id: string, on: boolean) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const matching = filterSelector(filter, isAdmin);

  return (
    <>
      <h1>Jobs</h1>
      <FilterForm filter={filter} isAdmin={isAdmin} onApply={apply} />
      <div class="toolbar">
        <button
          type="button"
          class="danger"
          disabled={checked.length === 0}
          onClick={() => setBulk(idsSelector(checked, filter, isAdmin))}
        >
          Stop selected…
        </button>
        <button
          type="button"
          class="danger"
          disabled={matching === null}
          title={
            matching === null ? 'Set a filter first: an empty filter stops nothing' : undefined
          }
          onClick={() => matching && setBulk(matching)}
        >
          Stop all matching…
        </button>
        <span data-testid="job-count" class="count">
          {showingCount(list.jobs.length)}
        </span>
        <span class="muted live-state">{streamText(stream)}</span>
      </div>
      {result ? (
        <div role="status" data-testid="bulk-result" class="notice">
          <p>{result.message}</p>
          {result.results.some((r) => r.outcome === 'error') ? (
            <ul>
              {result.results
                .filter((r) => r.outcome === 'error')
                .map((r) => (
                  <li key={r.jobId}>
                    {r.name}: {r.message ?? 'not stopped'}
                  </li>
                ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <Alert message={error} />
      <JobsTable jobs={list.jobs} isAdmin={isAdmin} selected={selected} onToggle={toggle} />
      {!loading && list.jobs.length === 0 && !error ? <p>No jobs match.</p> : null}
      {loading ? <p class="muted">Loading…</p> : null}
      {list.nextCursor !== null ? (
        <p>
          <button type="button" onClick={loadMore} disabled={loading}>
            Load more
          </button>
        </p>
      ) : null}
      {bulk ? (
        <BulkStopDialog
          selector={bulk}
          onClose={() => setBulk(null)}
          onDone={(answer) => {
            setBulk(null);
            setResult(answer);
            setSelected(new Set());
          }}
        />
      ) : null}
    </>
  );
}

function streamText(state: StreamState): string {
  if (state === 'open') return 'live';
  if (state === 'connecting') return 'connecting…';
  return 'live updates stopped: reload the page to resume them';
}
