import type { JobTasks } from '@hpcgate/contract';
import { formatTime } from '../format.js';

/** An array's tasks or a phased job's phases, with their counts. */
export function TasksTable({ tasks }: { tasks: JobTasks }) {
  const counts = Object.entries(tasks.summary.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  const phased = tasks.tasks.some((t) => t.name !== null);
  return (
    <section aria-labelledby="tasks-heading">
      <h2 id="tasks-heading">{phased ? 'Phases' : 'Tasks'}</h2>
      <p data-testid="task-counts">
        {tasks.summary.total} in all{counts ? `: ${counts}` : ''}
      </p>
      <table data-testid="tasks" class="data">
        <caption>{phased ? 'Phases of the job' : 'Tasks of the array'}</caption>
        <thead>
          <tr>
            <th scope="col">{phased ? 'Phase' : 'Index'}</th>
            <th scope="col">Status</th>
            <th scope="col">Slurm state</th>
            <th scope="col">Exit code</th>
            <th scope="col">Started</th>
            <th scope="col">Ended</th>
          </tr>
        </thead>
        <tbody>
          {tasks.tasks.map((t) => (
            <tr key={t.index}>
              <td>{t.name !== null ? `${t.index}. ${t.name}` : t.index}</td>
              <td>{t.status}</td>
              <td>{t.remoteState ?? ''}</td>
              <td class="num">{t.exitCode ?? ''}</td>
              <td>{formatTime(t.started)}</td>
              <td>{formatTime(t.ended)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {tasks.nextSkip !== null ? (
        <p class="note">Only the first {tasks.tasks.length} are shown.</p>
      ) : null}
    </section>
  );
}
