/**
 * Who is asking. Only the owner sees a job; anyone else gets "not found", except admins, who may
 * read and stop every job (as themselves: history names the admin as the actor). Listing and bulk
 * stops stay the caller's own jobs, admins included.
 */
export interface Caller {
  username: string;
  isAdmin: boolean;
}
