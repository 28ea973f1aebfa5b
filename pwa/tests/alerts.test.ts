import { describe, expect, it } from 'vitest';
import type { Alert } from '../src/data/api';
import { groupAlerts } from '../src/logic/alerts';

function alert(id: number, more: Partial<Alert> = {}): Alert {
  return {
    id, kind: 'risk', title: '风险预警', body: '逾期 2 天', url: '/customers/1', status: 'sent', urgency: 'normal',
    customer: { id: 1, name: '客户1', name_en: null, phone: null }, created_at: `2026-12-0${id}T01:00:00`, sent_at: null, read_at: null, ...more,
  };
}

describe('grouping the inbox', () => {
  it('folds repeats of one kind about one customer, newest first inside', () => {
    const groups = groupAlerts([alert(1), alert(3), alert(2)], () => true);
    expect(groups).toHaveLength(1);
    expect(groups[0].items.map((a) => a.id)).toEqual([3, 2, 1]);
    expect(groups[0].unread).toBe(3);
  });

  it('keeps other kinds, other customers and alerts about no customer apart', () => {
    const other = { id: 2, name: '客户2', name_en: null, phone: null };
    const groups = groupAlerts([alert(1), alert(2, { kind: 'renewal_due' }), alert(3, { customer: other }), alert(4, { customer: null }), alert(5, { customer: null })], () => true);
    expect(groups).toHaveLength(5);
  });

  it('puts an unread urgent group first, then unread ones, then the read, each by time', () => {
    const c = (id: number) => ({ id, name: `客户${id}`, name_en: null, phone: null });
    const read = new Set([4]);
    const groups = groupAlerts([
      alert(1, { customer: c(1) }), alert(2, { customer: c(2), urgency: 'high' }), alert(3, { customer: c(3) }),
      alert(4, { customer: c(4), urgency: 'high' }),
    ], (a) => !read.has(a.id));
    expect(groups.map((g) => g.latest.id)).toEqual([2, 3, 1, 4]);
    expect(groups.map((g) => g.urgent)).toEqual([true, false, false, false]); // a read urgent alert is no longer urgent
  });
});
