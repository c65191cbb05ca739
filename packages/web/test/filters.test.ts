import { describe, expect, it } from 'vitest';
import {
  EMPTY_FILTER,
  eventsQuery,
  filterFromSearch,
  filterSelector,
  filterToSearch,
  hasCriteria,
  idsSelector,
  jobMatches,
  listQuery,
  parseTags,
  statusChoices,
  statusesOf,
  statusValue,
  wildcardMatches,
} from '../src/filters.js';
import { makeJob } from './fixtures.js';

describe('the URL query', () => {
  it('reads every field, in the canonical status order, dropping unknown statuses', () => {
    expect(
      filterFromSearch('?status=RUNNING,PENDING,BOGUS&name=exp-*&system=sb&tags=a,b,a&owner=bob'),
    ).toEqual({
      status: ['PENDING', 'RUNNING'],
      name: 'exp-*',
      system: 'sb',
      tags: ['a', 'b'],
      owner: 'bob',
    });
    expect(filterFromSearch('')).toEqual(EMPTY_FILTER);
    expect(filterFromSearch('?status=RUNNING%2CPENDING').status).toEqual(['PENDING', 'RUNNING']);
  });

  it('writes back what it reads, commas and * readable, other characters encoded', () => {
    const search = '?status=PENDING,RUNNING&name=exp-*&system=sb&tags=a,b&owner=bob';
    expect(filterToSearch(filterFromSearch(search), true)).toBe(search);
    expect(filterToSearch({ ...EMPTY_FILTER, name: 'a b&c=d' }, false)).toBe('?name=a%20b%26c%3Dd');
    expect(filterToSearch(EMPTY_FILTER, false)).toBe('');
  });

  it('leaves owner out for anyone but an admin', () => {
    expect(filterToSearch({ ...EMPTY_FILTER, owner: 'bob' }, false)).toBe('');
  });

  it('round-trips a name with spaces and a comma', () => {
    const f = { ...EMPTY_FILTER, name: 'my job, 2' };
    expect(filterFromSearch(filterToSearch(f, false))).toEqual(f);
  });
});

describe('the API queries', () => {
  const f = filterFromSearch('?status=RUNNING&name=exp-*&system=sb&tags=a,b');

  it('list: limit, criteria under the API names, the cursor', () => {
    expect(listQuery(f, false, 100)).toBe(
      '?limit=100&status=RUNNING&name=exp-*&execSystemId=sb&tags=a,b',
    );
    expect(listQuery(EMPTY_FILTER, false, 100, 'abc=')).toBe('?limit=100&cursor=abc%3D');
  });

  it('list: admins send owner, * for everyone', () => {
    expect(listQuery(EMPTY_FILTER, true, 100)).toBe('?limit=100&owner=*');
    expect(listQuery({ ...EMPTY_FILTER, owner: 'bob' }, true, 100)).toBe('?limit=100&owner=bob');
    expect(listQuery({ ...EMPTY_FILTER, owner: 'bob' }, false, 100)).toBe('?limit=100');
  });

  it('events: name and tags (and owner for admins), never status or system', () => {
    expect(eventsQuery(f, false)).toBe('?name=exp-*&tags=a,b');
    expect(eventsQuery(f, true)).toBe('?name=exp-*&tags=a,b&owner=*');
    expect(eventsQuery(EMPTY_FILTER, false)).toBe('');
  });
});

describe('bulk stop selectors', () => {
  it('needs a criterion: owner alone is none', () => {
    expect(hasCriteria(EMPTY_FILTER)).toBe(false);
    expect(hasCriteria({ ...EMPTY_FILTER, owner: 'bob' })).toBe(false);
    expect(filterSelector({ ...EMPTY_FILTER, owner: 'bob' }, true)).toBeNull();
  });

  it('names the filter as the gateway takes it', () => {
    const f = filterFromSearch('?status=PENDING,RUNNING&name=exp-*&system=sb&tags=a');
    expect(filterSelector(f, false)).toEqual({
      names: ['exp-*'],
      status: ['PENDING', 'RUNNING'],
      execSystemId: 'sb',
      tags: ['a'],
    });
    expect(filterSelector({ ...f, owner: 'bob' }, true)).toMatchObject({ owner: 'bob' });
  });

  it('scopes checked ids to the owner an admin looks at', () => {
    expect(idsSelector(['x'], EMPTY_FILTER, false)).toEqual({ ids: ['x'] });
    expect(idsSelector(['x'], { ...EMPTY_FILTER, owner: 'bob' }, true)).toEqual({
      ids: ['x'],
      owner: 'bob',
    });
  });
});

describe('jobMatches', () => {
  it('matches names as the gateway does: only * is special, whole name', () => {
    expect(wildcardMatches('exp-*', 'exp-1')).toBe(true);
    expect(wildcardMatches('exp-*', 'my-exp-1')).toBe(false);
    expect(wildcardMatches('a.b', 'axb')).toBe(false);
    expect(wildcardMatches('*', 'anything')).toBe(true);
    expect(wildcardMatches('Exp', 'exp')).toBe(false);
  });

  it('checks status, system, every tag, owner, and leaves hidden jobs out', () => {
    const job = makeJob({ name: 'exp-1', status: 'RUNNING', tags: ['a', 'b'], owner: 'bob' });
    expect(jobMatches(job, EMPTY_FILTER, false)).toBe(true);
    expect(jobMatches(job, { ...EMPTY_FILTER, status: ['PENDING'] }, false)).toBe(false);
    expect(jobMatches(job, { ...EMPTY_FILTER, tags: ['a', 'c'] }, false)).toBe(false);
    expect(jobMatches(job, { ...EMPTY_FILTER, system: 'other' }, false)).toBe(false);
    expect(jobMatches(job, { ...EMPTY_FILTER, owner: 'carol' }, true)).toBe(false);
    expect(jobMatches(job, { ...EMPTY_FILTER, owner: 'bob' }, true)).toBe(true);
    expect(jobMatches({ ...job, hidden: true }, EMPTY_FILTER, false)).toBe(false);
  });
});

describe('the Status select', () => {
  it('maps presets both ways', () => {
    expect(statusValue([])).toBe('');
    expect(statusValue(['RUNNING', 'PENDING', 'PROCESSING_INPUTS'])).toBe('active');
    expect(statusValue(['CANCELLED', 'FINISHED', 'FAILED'])).toBe('ended');
    expect(statusValue(['RUNNING'])).toBe('RUNNING');
    expect(statusesOf('active')).toEqual(['PROCESSING_INPUTS', 'PENDING', 'RUNNING']);
    expect(statusesOf('')).toEqual([]);
  });

  it('offers Any, Active, Ended and each status, plus a mix the URL named', () => {
    expect(statusChoices([]).map((c) => c.label)).toEqual([
      'Any',
      'Active',
      'Ended',
      'PROCESSING_INPUTS',
      'PENDING',
      'RUNNING',
      'FINISHED',
      'FAILED',
      'CANCELLED',
    ]);
    const mix = statusChoices(['RUNNING', 'PENDING']);
    expect(mix.at(-1)).toMatchObject({ value: 'PENDING,RUNNING', label: 'PENDING, RUNNING' });
    expect(statusValue(['RUNNING', 'PENDING'])).toBe('PENDING,RUNNING');
    expect(statusesOf('PENDING,RUNNING')).toEqual(['PENDING', 'RUNNING']);
  });

  it('reads the tags field', () => {
    expect(parseTags(' a, b,,a ')).toEqual(['a', 'b']);
    expect(parseTags('')).toEqual([]);
  });
});
