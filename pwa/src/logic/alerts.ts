// The inbox without fatigue (docs/push.md): repeats of one kind of alert about one customer
// fold into one line, the urgent and unread come first. Pure, so unit tests can call it.
import type { Alert } from '../data/api';

export type AlertGroup = { key: string; latest: Alert; items: Alert[]; unread: number; urgent: boolean };

/** One group per customer and kind (an alert about no customer stands alone), newest alert
 * first in each; groups with an unread urgent alert first, then unread, then by time. */
export function groupAlerts(items: Alert[], isUnread: (a: Alert) => boolean): AlertGroup[] {
  const groups = new Map<string, Alert[]>();
  for (const item of items) {
    const key = item.customer ? `${item.customer.id}:${item.kind}` : `alert:${item.id}`;
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  const newest = (a: Alert, b: Alert) => b.created_at.localeCompare(a.created_at) || b.id - a.id;
  return [...groups].map(([key, list]) => {
    const sorted = [...list].sort(newest);
    const unread = sorted.filter(isUnread).length;
    return { key, latest: sorted[0], items: sorted, unread, urgent: sorted.some((a) => a.urgency === 'high' && isUnread(a)) };
  }).sort((a, b) => Number(b.urgent) - Number(a.urgent) || Number(b.unread > 0) - Number(a.unread > 0) || newest(a.latest, b.latest));
}
