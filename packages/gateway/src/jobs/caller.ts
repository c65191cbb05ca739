import { ALL_OWNERS } from '@hpcgate/contract';
import type { Identity } from '../auth/token-verifier.js';
import { NotAllowedError } from '../domain/errors.js';
import type { OwnerScope } from '../store/job-store.js';

/**
 * Who is asking. Only the owner sees a job; anyone else gets "not found", except admins, who may
 * read and stop every job (as themselves: history names the admin as the actor; on the cluster
 * the job's own Unix account sends the stop). Lists, event streams and bulk stops are the
 * caller's own jobs unless an admin names another `owner` (or `*`).
 */
export type Caller = Pick<Identity, 'username' | 'isAdmin'> &
  Partial<Pick<Identity, 'kind' | 'claims'>>;

/**
 * Whose jobs a list, an event stream or a bulk stop covers: the caller's unless an admin names
 * another owner, `*` meaning everyone's (`null`). Anyone else naming someone else: 403.
 */
export function ownerScope(caller: Caller, owner: string | undefined, field: string): OwnerScope {
  if (owner === undefined || owner === caller.username) return caller.username;
  if (!caller.isAdmin) throw new NotAllowedError(field, "only admins may name another user's jobs");
  return owner === ALL_OWNERS ? null : owner;
}
