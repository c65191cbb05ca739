import { useEffect, useId, useState } from 'preact/hooks';
import { type ListFilter, parseTags, statusChoices, statusesOf, statusValue } from '../filters.js';

interface FilterFormProps {
  filter: ListFilter;
  isAdmin: boolean;
  onApply: (filter: ListFilter) => void;
}

/** The list's filter; applied with "Apply" (or Enter), it goes to the URL. */
export function FilterForm({ filter, isAdmin, onApply }: FilterFormProps) {
  const ids = { status: useId(), name: useId(), system: useId(), tags: useId(), owner: useId() };
  const [status, setStatus] = useState(statusValue(filter.status));
  const [name, setName] = useState(filter.name);
  const [system, setSystem] = useState(filter.system);
  const [tags, setTags] = useState(filter.tags.join(','));
  const [owner, setOwner] = useState(filter.owner);

  // Back and forward change the filter under the form: show what is applied.
  useEffect(() => {
    setStatus(statusValue(filter.status));
    setName(filter.name);
    setSystem(filter.system);
    setTags(filter.tags.join(','));
    setOwner(filter.owner);
  }, [filter]);

  const choices = statusChoices(statusesOf(status));

  return (
    <form
      class="filters"
      aria-label="Filter jobs"
      onSubmit={(ev) => {
        ev.preventDefault();
        onApply({
          status: statusesOf(status),
          name: name.trim(),
          system: system.trim(),
          tags: parseTags(tags),
          owner: isAdmin ? owner.trim() : '',
        });
      }}
    >
      <p class="field">
        <label for={ids.status}>Status</label>
        <select id={ids.status} value={status} onChange={(ev) => setStatus(ev.currentTarget.value)}>
          {choices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </p>
      <p class="field">
        <label for={ids.name}>Name</label>
        <input
          id={ids.name}
          type="text"
          value={name}
          placeholder="exp-*"
          aria-describedby={`${ids.name}-hint`}
          onInput={(ev) => setName(ev.currentTarget.value)}
        />
        <small id={`${ids.name}-hint`}>* matches anything</small>
      </p>
      <p class="field">
        <label for={ids.system}>System</label>
        <input
          id={ids.system}
          type="text"
          value={system}
          onInput={(ev) => setSystem(ev.currentTarget.value)}
        />
      </p>
      <p class="field">
        <label for={ids.tags}>Tags</label>
        <input
          id={ids.tags}
          type="text"
          value={tags}
          placeholder="a,b"
          aria-describedby={`${ids.tags}-hint`}
          onInput={(ev) => setTags(ev.currentTarget.value)}
        />
        <small id={`${ids.tags}-hint`}>comma-separated, every one</small>
      </p>
      {isAdmin ? (
        <p class="field">
          <label for={ids.owner}>Owner</label>
          <input
            id={ids.owner}
            type="text"
            value={owner}
            placeholder="everyone"
            aria-describedby={`${ids.owner}-hint`}
            onInput={(ev) => setOwner(ev.currentTarget.value)}
          />
          <small id={`${ids.owner}-hint`}>empty for everyone</small>
        </p>
      ) : null}
      <p class="field field-submit">
        <button type="submit">Apply</button>
      </p>
    </form>
  );
}
