import type { JobStreamEvent } from '@hpcgate/contract';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client.js';
import { openStream, type StreamState } from '../api/event-source.js';
import { allEventsUrl, getJob, listJobs } from '../api/jobs.js';
import { recheckSession } from '../api/session.js';
import { eventsQuery, jobMatches, type ListFilter, listQuery } from '../filters.js';
import { appendPage, type ListState, upsertJob } from '../list-state.js';
import { createCoalescer } from './coalesce.js';

export const PAGE_SIZE = 100;

export interface LiveList {
  list: ListState;
  loading: boolean;
  error: string | null;
  stream: StreamState;
  loadMore: () => void;
}

/**
 * The filtered list, first page on every load, kept current by one stream of the caller's
 * events: each event makes one coalesced refetch of its job, which is upserted (no polling).
 */
export function useLiveList(filter: ListFilter, isAdmin: boolean, reload: number): LiveList {
  const [list, setList] = useState<ListState>({ jobs: [], nextCursor: null });
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [stream, setStream] = useState<StreamState>('connecting');
  const generation = useRef(0);
  const listed = useRef(new Set<string>());
  listed.current = new Set(list.jobs.map((j) => j.id));

  // `reload` is a dependency on purpose: Apply re-reads even an unchanged filter.
  useEffect(() => {
    const gen = ++generation.current;
    const alive = () => gen === generation.current;
    setList({ jobs: [], nextCursor: null });
    setLoading(true);
    setError(null);

    // Events that come before the first page are replayed once it is in.
    let loaded = false;
    const early = new Set<string>();
    const refetch = createCoalescer(async (id) => {
      try {
        const job = await getJob(id);
        if (alive()) setList((l) => upsertJob(l, job, jobMatches(job, filter, isAdmin)));
      } catch (err) {
        // Gone or no longer readable: the row stays as it was until the next load.
        if (!(err instanceof ApiError)) throw err;
      }
    });

    const s = openStream(allEventsUrl(eventsQuery(filter, isAdmin)), {
      onState: (state) => {
        if (!alive()) return;
        setStream(state);
        if (state === 'closed') recheckSession();
      },
      message: (data) => {
        const { jobId: id, status } = data as JobStreamEvent;
        if (typeof id !== 'string') return;
        if (!loaded) {
          early.add(id);
          return;
        }
        // A job not shown, in a status the filter leaves out: nothing to show, nothing to fetch.
        const left = filter.status.length > 0 && !filter.status.includes(status);
        if (left && !listed.current.has(id)) return;
        refetch.poke(id);
      },
    });

    listJobs(listQuery(filter, isAdmin, PAGE_SIZE)).then(
      (page) => {
        if (!alive()) return;
        setList({ jobs: page.jobs, nextCursor: page.nextCursor });
        setLoading(false);
        loaded = true;
        for (const id of early) refetch.poke(id);
      },
      (err) => {
        if (!alive()) return;
        setError(errorMessage(err));
        setLoading(false);
        loaded = true;
      },
    );

    return () => {
      generation.current++;
      refetch.stop();
      s.close();
    };
  }, [filter, isAdmin, reload]);

  const cursor = list.nextCursor;
  const loadMore = useCallback(() => {
    if (!cursor) return;
    const gen = generation.current;
    setLoading(true);
    listJobs(listQuery(filter, isAdmin, PAGE_SIZE, cursor)).then(
      (page) => {
        if (gen !== generation.current) return;
        setList((l) => appendPage(l, { jobs: page.jobs, nextCursor: page.nextCursor }));
        setLoading(false);
      },
      (err) => {
        if (gen !== generation.current) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
  }, [cursor, filter, isAdmin]);

  return { list, loading, error, stream, loadMore };
}
