import { describe, expect, it, vi } from 'vitest';
import type { PlanEntry } from '../src/data/api';
import type { OutboxItem } from '../src/data/db';
import {
  addDays, mapsUrl, nextWorkingDay, overlay, pickText, previousWorkingDay, reasonText,
  rmsOf, splitPlan, validSnooze, type Recent,
} from '../src/logic/plan';

vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
vi.stubGlobal('document', { documentElement: { lang: '' } });

function entry(id: number, priority: number, more: Partial<PlanEntry> = {}): PlanEntry {
  return {
    id, day: '2026-11-30', priority, priority_band: priority >= 70 ? 'high' : priority >= 40 ? 'medium' : 'low',
    customer: { id: 100 + id, name: `客户${id}`, name_en: `Customer ${id}`, segment: 'medium', phone: null },
    reasons: [], objective: '目标', objective_en: 'Goal', channel: 'call', suggested_hour: 10, state: 'planned',
    version: 1, is_marketing: false, carried_days: 0, snoozed_to: null, moment_id: null, risk_case_id: null,
    last_contact: null, rm: { id: 1, name: '张伟' }, dismiss_reason: null, must_do: null, offer: null, ...more,
  };
}

function queued(planEntryId: number, state: string, more: Partial<OutboxItem> = {}): OutboxItem {
  return {
    client_id: `c-${planEntryId}-${state}`, kind: 'plan_entry_state', body: { plan_entry_id: planEntryId, state },
    base_version: 1, state: 'pending', createdAt: 1, attempts: 0, ...more,
  };
}

describe('grouping the plan', () => {
  it('puts what cannot wait first, weightiest first, then the rest by suggested time', () => {
    const { mustDo, byTime, handled } = splitPlan([
      entry(1, 20, { suggested_hour: 15 }), entry(2, 95, { suggested_hour: 9 }), entry(3, 30, { must_do: 'renewal' }),
      entry(4, 72, { must_do: 'risk' }), entry(5, 30, { state: 'done' }), entry(6, 80, { suggested_hour: null }),
      entry(7, 50, { suggested_hour: 9 }),
    ]);
    expect(mustDo.map((e) => e.id)).toEqual([4, 3]);
    expect(byTime.map((e) => e.id)).toEqual([2, 7, 1, 6]);
    expect(handled.map((e) => e.id)).toEqual([5]);
  });

  it('keeps missed entries to do and snoozed or dismissed ones as handled', () => {
    const { mustDo, byTime, handled } = splitPlan([entry(1, 50, { state: 'missed' }), entry(2, 50, { state: 'snoozed' }), entry(3, 50, { state: 'dismissed' })]);
    expect(mustDo).toEqual([]);
    expect(byTime.map((e) => e.id)).toEqual([1]);
    expect(handled.map((e) => e.id)).toEqual([2, 3]);
  });
});

describe('a team plan', () => {
  it('lists each RM once, by name', () => {
    const rm = (id: number, name: string) => entry(id, 50, { rm: { id, name } });
    expect(rmsOf([rm(2, '李娜'), rm(1, '张伟'), rm(2, '李娜'), entry(9, 10)])).toEqual([{ id: 2, name: '李娜' }, { id: 1, name: '张伟' }]);
  });
});

describe('days', () => {
  it('adds days across months and years', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28');
  });

  it('snoozes to the next Monday-to-Friday day by default', () => {
    expect(nextWorkingDay('2026-11-30')).toBe('2026-12-01'); // Monday -> Tuesday
    expect(nextWorkingDay('2026-12-04')).toBe('2026-12-07'); // Friday -> Monday
    expect(nextWorkingDay('2026-11-28')).toBe('2026-11-30'); // Saturday -> Monday
    expect(previousWorkingDay('2026-11-30')).toBe('2026-11-27'); // Monday -> Friday
  });

  it('accepts only a snooze to a later day', () => {
    expect(validSnooze('2026-11-30', '2026-12-01')).toBe(true);
    expect(validSnooze('2026-11-30', '2026-11-30')).toBe(false);
    expect(validSnooze('2026-11-30', '2026-11-29')).toBe(false);
    expect(validSnooze('2026-11-30', '')).toBe(false);
    expect(validSnooze('2026-11-30', '2027-01-29')).toBe(true);
    expect(validSnooze('2026-11-30', '2027-01-30')).toBe(false); // over 60 days
  });
});

describe('locale', () => {
  it('picks the reader language and falls back to the other', () => {
    expect(pickText('zh-CN', '续贷', 'Renew')).toBe('续贷');
    expect(pickText('en', '续贷', 'Renew')).toBe('Renew');
    expect(pickText('en', '续贷', null)).toBe('续贷');
    expect(pickText('zh-CN', '', 'Renew')).toBe('Renew');
    expect(pickText('en', null, undefined)).toBe('');
    expect(reasonText('en', { code: 'cadence', zh: '', en: '', value: null })).toBe('cadence');
  });

  it('links to a map search without sending anything', () => {
    expect(mapsUrl('杭州 A&B 公司')).toBe('https://uri.amap.com/search?keyword=%E6%9D%AD%E5%B7%9E%20A%26B%20%E5%85%AC%E5%8F%B8');
  });
});

describe('unsent changes over the server plan', () => {
  it('shows the last queued state of an entry as unsent, and problems as such', () => {
    const items = [queued(1, 'snoozed'), queued(1, 'done'), queued(2, 'dismissed', { state: 'invalid' })];
    const [one, two, three] = overlay([entry(1, 50), entry(2, 50), entry(3, 50)], items, new Map());
    expect(one).toMatchObject({ state: 'done', unsent: true, problem: null });
    expect(two).toMatchObject({ state: 'dismissed', unsent: true, problem: 'invalid' });
    expect(three).toMatchObject({ state: 'planned', unsent: false });
  });

  it('shows an entry done as soon as a contact is logged from it, and only that entry', () => {
    const visit = (id: string, body: Record<string, unknown>): OutboxItem => ({
      client_id: id, kind: 'interaction', body: { customer_id: 101, outcome: 'reached', ...body }, state: 'pending', createdAt: 1, attempts: 0,
    });
    const items = [visit('a', { plan_entry_id: 1 }), visit('b', { plan_entry_id: null }), visit('c', { plan_entry_id: 3 })];
    const [one, two, three] = overlay([entry(1, 50), entry(2, 50), entry(3, 50, { state: 'dismissed' })], items, new Map());
    expect(one).toMatchObject({ state: 'done', unsent: true, clientId: 'a' });
    expect(two).toMatchObject({ state: 'planned', unsent: false });
    expect(three).toMatchObject({ state: 'dismissed' });
  });

  it('keeps a sent state until the server plan catches up, then trusts the server', () => {
    const recent: Recent = new Map([[1, { base_version: 1, state: 'done', snoozed_to: null, at: 1_000 }]]);
    expect(overlay([entry(1, 50)], [], recent, 2_000)[0]).toMatchObject({ state: 'done', unsent: false });
    expect(overlay([entry(1, 50, { version: 2, state: 'done' })], [], recent, 2_000)[0]).toMatchObject({ state: 'done', version: 2 });
    expect(overlay([entry(1, 50)], [], recent, 1_000 + 10 * 60_000)[0]).toMatchObject({ state: 'planned' });
  });
});

describe('messages for the morning', () => {
  it('translates every code the plan, moments and risk cases send', async () => {
    const { en } = await import('../src/i18n/en');
    const codes = {
      moment: ['activation', 'renewal', 'dormancy', 'retention', 'early_warning', 'referral'],
      momentState: ['open', 'acknowledged', 'done', 'dismissed'],
      riskState: ['open', 'pending_approval', 'closed'],
      response: ['automated', 'escalated'],
      action: ['waiver', 'extension'],
      decision: ['approved', 'refused'],
      severity: ['1', '2', '3'],
      'plan.must': ['risk', 'referral', 'renewal'],
    };
    for (const [family, list] of Object.entries(codes)) {
      for (const code of list) expect(`${family}.${code}` in en, `${family}.${code}`).toBe(true);
    }
  });
});
