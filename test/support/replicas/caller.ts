import { E2E_ACCOUNTS } from '../gateway.js';

/**
 * The caller the replica tests submit as, and its Unix account: hpcbot, which no other
 * end-to-end tier runs jobs as, so that counting and cancelling "our" Slurm jobs never touches
 * another suite's.
 */
export const REPLICA_CALLER = 'hpcgate-automation';
export const REPLICA_ACCOUNT = E2E_ACCOUNTS[REPLICA_CALLER]!;
