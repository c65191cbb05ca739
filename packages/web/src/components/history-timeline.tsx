import type { JobEvent } from '@hpcgate/contract';
import { formatTime } from '../format.js';

/** Every transition and stop step, in order. */
export function HistoryTimeline({ events }: { events: JobEvent[] }) {
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ol data-testid="history" class="history">
        {events.map((e) => (
          <li key={e.seq}>
            <time dateTime={e.at} title={e.at}>
              {formatTime(e.at)}
            </time>{' '}
            <span class="event">{e.event}</span> <span class="event-status">{e.status}</span>{' '}
            <span class="description">{e.description}</span>
            {e.actor ? <span class="actor"> (by {e.actor})</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
