import type { Job, JobEvent, JobStreamEvent, JobTasks } from '@hpcgate/contract';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, errorMessage } from '../api/client.js';
import { openStream, type StreamState } from '../api/event-source.js';
import { getHistory, getJob, getTasks, jobEventsUrl, listOutput } from '../api/jobs.js';
import { recheckSession } from '../api/session.js';
import type { OutputsState } from '../components/outputs-table.js';
import { fresher, mergeEvents } from '../merge.js';
import { hasParts } from '../stop-modes.js';
import { createCoalescer } from './coalesce.js';

export interface LiveJob {
  job: Job | null;
  /** The job could not be read (not found, or another error): the gateway's message. */
  loadError: ApiError | null;
  history: JobEvent[];
  tasks: JobTasks | null;
  outputs: OutputsState;
  stream: StreamState;
  /** An answer that carries the job (a cancel's), kept if it is the newest read. */
  setJob: (job: Job) => void;
  refetch: () => void;
  refreshOutputs: () => void;
}

/**
 * One job, kept current by its event stream (history replayed first, then live; `end` once it
 * is over): every event is merged into the history and makes one coalesced refetch of the job.
 */
export function useLiveJob(jobId: string): LiveJob {
  const [job, setJobState] = useState<Job | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [history, setHistory] = useState<JobEvent[]>([]);
  const [tasks, setTasks] = useState<JobTasks | null>(null);
  const [outputs, setOutputs] = useState<OutputsState>({ kind: 'loading' });
  const [stream, setStream] = useState<StreamState>('connecting');
  const poke = useRef<() => void>(() => {});
  const current = useRef(jobId);
  current.current = jobId;

  const setJob = useCallback((next: Job) => {
    if (next.id === current.current) setJobState((prev) => fresher(prev, next));
  }, []);

  const refreshOutputs = useCallback(() => {
    const id = current.current;
    listOutput(id).then(
      (list) => id === current.current && setOutputs({ kind: 'listed', list }),
      (err) => {
        if (id !== current.current) return;
        if (err instanceof ApiError && err.code === 'OUTPUT_NOT_FOUND')
          setOutputs({ kind: 'none' });
        else setOutputs({ kind: 'error', message: errorMessage(err) });
      },
    );
  }, []);

  useEffect(() => {
    let alive = true;
    setJobState(null);
    setLoadError(null);
    setHistory([]);
    setTasks(null);
    setOutputs({ kind: 'loading' });

    const read = async () => {
      const next = await getJob(jobId);
      if (!alive) return;
      setJobState((prev) => fresher(prev, next));
      if (hasParts(next)) {
        const t = await getTasks(jobId);
        if (alive) setTasks(t);
      }
    };
    const refetch = createCoalescer(async () => {
      try {
        await read();
      } catch (err) {
        if (alive && err instanceof ApiError && err.status === 404) setLoadError(err);
      }
    });
    poke.current = () => refetch.poke(jobId);

    read().catch((err) => {
      if (alive)
        setLoadError(err instanceof ApiError ? err : new ApiError(0, 'ERROR', errorMessage(err)));
    });
    getHistory(jobId).then(
      (h) => alive && setHistory((list) => mergeEvents(list, h.events)),
      () => {},
    );
    refreshOutputs();

    const s = openStream(jobEventsUrl(jobId), {
      onState: (state) => {
        if (!alive) return;
        setStream(state);
        if (state === 'closed') recheckSession();
      },
      message: (data) => {
        const e = data as JobStreamEvent;
        if (e.jobId !== jobId) return;
        setHistory((list) => mergeEvents(list, [e]));
        refetch.poke(jobId);
      },
      events: {
        end: () => {
          // The job is over and Slurm is done with it: the stream would otherwise reconnect.
          s.close();
          if (!alive) return;
          setStream('closed');
          refetch.poke(jobId);
          refreshOutputs();
        },
      },
    });
    return () => {
      alive = false;
      refetch.stop();
      s.close();
    };
  }, [jobId, refreshOutputs]);

  const refetch = useCallback(() => poke.current(), []);
  return { job, loadError, history, tasks, outputs, stream, setJob, refetch, refreshOutputs };
}
