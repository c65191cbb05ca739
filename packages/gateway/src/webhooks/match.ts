import type { FeedEvent, SubscriptionRecord } from '../store/subscription-store.js';

/**
 * Whether a subscription wants an event. The owner comes first and is not a filter but the rule:
 * a subscription only ever gets events of its owner's own jobs, whatever its selector says. The
 * selector narrows as `GET /v3/jobs/events` does: the job's name (`*` any run of characters) and
 * tags (every one), the event's status (the job's once the event was written).
 */
export function matches(sub: SubscriptionRecord, e: FeedEvent): boolean {
  if (e.job.owner !== sub.owner) return false;
  // Made after the event: it never receives what came before it.
  if (e.id <= sub.fromEventId) return false;
  if (!sub.events.includes('*') && !sub.events.includes(e.event)) return false;
  if (sub.jobId !== null && e.jobId !== sub.jobId) return false;
  const s = sub.selector;
  if (!s) return true;
  if (s.status && !s.status.includes(e.status)) return false;
  if (s.name !== undefined && !wildcard(s.name).test(e.job.name)) return false;
  if (s.tags && !s.tags.every((t) => e.job.tags.includes(t))) return false;
  return true;
}

const patterns = new Map<string, RegExp>();

/** `exp-*` as a whole-string RegExp where only `*` is special (as the store's GLOB). */
function wildcard(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (!re) {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${source}$`, 's');
    // A small cache: the same few patterns are tested for every event.
    if (patterns.size > 1_000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}
