import type { OutputList } from '@hpcgate/contract';
import { downloadHref } from '../api/jobs.js';
import { formatBytes, formatTime } from '../format.js';

export type OutputsState =
  | { kind: 'loading' }
  | { kind: 'none' }
  | { kind: 'listed'; list: OutputList }
  | { kind: 'error'; message: string };

/** The job directory's entries; files (and links to them) download, with their name as link. */
export function OutputsTable({
  jobId,
  outputs,
  onRefresh,
}: {
  jobId: string;
  outputs: OutputsState;
  onRefresh: () => void;
}) {
  return (
    <section aria-labelledby="outputs-heading">
      <h2 id="outputs-heading">Files</h2>
      <p>
        <button type="button" onClick={onRefresh}>
          Refresh files
        </button>
      </p>
      {outputs.kind === 'loading' ? <p class="muted">Reading the job directory…</p> : null}
      {outputs.kind === 'none' ? <p data-testid="outputs-empty">No files yet</p> : null}
      {outputs.kind === 'error' ? (
        <p role="alert" class="alert">
          {outputs.message}
        </p>
      ) : null}
      {outputs.kind === 'listed' ? (
        <>
          <table data-testid="outputs" class="data">
            <caption>Files in the job directory</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">Size</th>
                <th scope="col">Modified</th>
              </tr>
            </thead>
            <tbody>
              {outputs.list.entries.map((e) => (
                <tr key={e.path}>
                  <td>
                    {e.type === 'file' || e.type === 'symlink' ? (
                      <a href={downloadHref(jobId, e.path)} download={e.name}>
                        {e.name}
                      </a>
                    ) : (
                      <span>{e.type === 'dir' ? `${e.name}/` : e.name}</span>
                    )}
                  </td>
                  <td>{e.type}</td>
                  <td class="num">{formatBytes(e.size)}</td>
                  <td>{formatTime(e.modified)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {outputs.list.entries.length === 0 ? <p>No files yet</p> : null}
          {outputs.list.nextSkip !== null ? (
            <p class="note">Only the first {outputs.list.entries.length} entries are shown.</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
