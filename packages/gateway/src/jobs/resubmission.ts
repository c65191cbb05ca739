import {
  type ResubmitJobOverrides,
  type SubmitJobParams,
  type SubmitJobRequest,
  submitJobRequestSchema,
} from '@hpcgate/contract';
import { InvalidJobRequestError } from '../domain/errors.js';
import { type JobRecord, SUBMIT_PARAM_KEYS } from '../store/job-store.js';

/**
 * Fields that say one thing together: an override of any of them replaces all of the old job's
 * (a job has exactly one of script, command or phases; one way of being a singleton).
 */
const REPLACED_TOGETHER = [
  ['script', 'command', 'phases'],
  ['exclusive', 'exclusiveKey'],
] as const;

/**
 * The submit a resubmission makes: the old job's submit parameters, as given, with the
 * overrides in their place ({@link REPLACED_TOGETHER} as a group). The result is checked by the
 * submit's own schema, so that a resubmission is refused exactly where a submit would be (400,
 * field `body.<name>`).
 */
export function resubmitParams(old: JobRecord, overrides: ResubmitJobOverrides): SubmitJobParams {
  const base: Record<string, unknown> = {
    name: old.name,
    execSystemId: old.execSystemId,
    tags: old.tags,
  };
  // Every stored submit parameter, so that one added to the store is carried over too.
  for (const key of SUBMIT_PARAM_KEYS) {
    if (old[key] !== null && old[key] !== undefined) base[key] = old[key];
  }
  // `exclusive: true` made the name the key: a new name then makes a new key.
  if (old.exclusiveKey !== null) {
    if (old.exclusiveKey === old.name) base.exclusive = true;
    else base.exclusiveKey = old.exclusiveKey;
  }
  for (const group of REPLACED_TOGETHER) {
    if (group.some((key) => key in overrides)) for (const key of group) delete base[key];
  }
  const merged: SubmitJobRequest = { ...(base as SubmitJobRequest), ...overrides };
  const parsed = submitJobRequestSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['body', ...(issue?.path ?? []).map(String)].join('.');
    throw new InvalidJobRequestError(field, `${field}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
