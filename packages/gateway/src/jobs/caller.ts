import type { Identity } from '../auth/token-verifier.js';

/**
 * Who is asking. Only the owner sees a job; anyone else gets "not found", except admins, who may
 * read and stop every job (as themselves: history names the admin as the actor; on the cluster
 * the job's own Unix account sends the stop). Listing stays the caller's own jobs; a bulk stop
 * may name another `owner`, admins only.
 */
export type Caller = Pick<Identity, 'username' | 'isAdmin'> &
  Partial<Pick<Identity, 'kind' | 'claims'>>;
