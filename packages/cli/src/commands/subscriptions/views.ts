import type { Delivery, Subscription } from '@hpcgate/sdk';
import type { Row } from '../../output.js';

/** Which jobs a subscription follows, in a few words: `job <id>`, `name=exp-* tags=a`, `all`. */
export function followedText(s: Subscription): string {
  if (s.jobId) return `job ${s.jobId}`;
  const sel = s.selector;
  if (!sel) return 'all your jobs';
  const parts: string[] = [];
  if (sel.name !== undefined) parts.push(`name=${sel.name}`);
  if (sel.status) parts.push(`status=${sel.status.join(',')}`);
  if (sel.tags) parts.push(`tags=${sel.tags.join(',')}`);
  return parts.join(' ');
}

/** One line of `subscriptions list`. */
export function subscriptionRow(s: Subscription): Row {
  return {
    id: s.id,
    url: s.url,
    events: s.events,
    jobs: followedText(s),
    created: s.created.replace(/\.\d+Z$/, 'Z'),
  };
}

/** `subscriptions add`: the fields of the one made. */
export function subscriptionFields(s: Subscription): Row {
  return { id: s.id, url: s.url, events: s.events, jobs: followedText(s), created: s.created };
}

/** One line of `subscriptions deliveries`: the last attempt's word on it. */
export function deliveryRow(d: Delivery): Row {
  const last = d.attempts.at(-1);
  return {
    id: d.id,
    event: d.event,
    jobId: d.jobId,
    state: d.state,
    attempts: d.attempts.length,
    last: d.error ?? (last ? (last.error ?? `HTTP ${last.statusCode}`) : null),
    created: d.created.replace(/\.\d+Z$/, 'Z'),
  };
}
