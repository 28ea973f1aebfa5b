import { describe, expect, it, vi } from 'vitest';
import type { Offer, Referral } from '../src/data/api';
import type { OutboxItem } from '../src/data/db';
import {
  bandPosition, basisPointsOutside, canQuote, feedbackActions, fractionToPercent, isOpenReferral, overlayOffers,
  parsePrice, percentToFraction, priceInput, referralActions, referralBody, serverTime, slaSteps,
  type RecentFeedback, type ReferralForm,
} from '../src/logic/offers';

vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
vi.stubGlobal('document', { documentElement: { lang: '' } });

const i18n = await import('../src/i18n');

describe('rates as the RM types them', () => {
  it('turns a typed percentage into a yearly fraction, to a basis point', () => {
    expect(percentToFraction('4.35')).toBe(0.0435);
    expect(percentToFraction(' 4,35 ')).toBe(0.0435);
    expect(percentToFraction('4.355')).toBe(0.0436); // half a basis point rounds up
    expect(percentToFraction('4.3549')).toBe(0.0435);
    expect(percentToFraction('0.1')).toBe(0.001);
    expect(percentToFraction('12')).toBe(0.12);
    expect(percentToFraction('.5')).toBe(0.005);
  });

  it('refuses what is not a number', () => {
    for (const text of ['', ' ', 'abc', '4.3.5', '-1', '1e3', '4%']) expect(percentToFraction(text), text).toBeNull();
  });

  it('shows a fraction as the percentage to type, two decimals, without float noise', () => {
    expect(fractionToPercent(0.0435)).toBe('4.35');
    expect(fractionToPercent(0.07)).toBe('7.00');
    expect(fractionToPercent(0.1 + 0.2 - 0.25)).toBe('5.00');
    expect(fractionToPercent(0.043549999)).toBe('4.35');
    for (const typed of ['3.10', '4.35', '5.99', '0.01']) expect(fractionToPercent(percentToFraction(typed)!)).toBe(typed);
  });

  it('reads fees in whole yuan and rates as percentages', () => {
    expect(parsePrice('4.35', 'rate')).toBe(0.0435);
    expect(parsePrice('299.6', 'fee')).toBe(300);
    expect(parsePrice('x', 'fee')).toBeNull();
    expect(priceInput(0.0445, 'rate')).toBe('4.45');
    expect(priceInput(300, 'fee')).toBe('300');
  });

  it('places a price against the band, and says by how many basis points it misses', () => {
    const band = { min: 0.041, max: 0.046 };
    expect(bandPosition(0.041, band)).toBe('inside');
    expect(bandPosition(0.046 + 1e-12, band)).toBe('inside');
    expect(bandPosition(0.039, band)).toBe('below');
    expect(bandPosition(0.05, band)).toBe('above');
    expect(basisPointsOutside(0.039, band)).toBe(20);
    expect(basisPointsOutside(0.0475, band)).toBe(15);
    expect(basisPointsOutside(0.043, band)).toBe(0);
  });

  it('formats rates with two decimals through Intl', () => {
    i18n.setLocale('en');
    expect(i18n.rate(0.0435)).toBe('4.35%');
    expect(i18n.rate(0.07)).toBe('7.00%');
    i18n.setLocale('zh-CN');
    expect(i18n.rate(0.0435)).toBe('4.35%');
    expect(i18n.rate(null)).toBe('—');
  });
});

describe('offer feedback', () => {
  it('offers only the states that may follow', () => {
    expect(feedbackActions('suggested')).toEqual(['presented', 'accepted', 'declined']);
    expect(feedbackActions('presented')).toEqual(['accepted', 'declined']);
    expect(feedbackActions('accepted')).toEqual(['declined', 'sold']);
    for (const state of ['declined', 'sold', 'expired', 'unknown']) expect(feedbackActions(state), state).toEqual([]);
  });

  it('lets only an RM quote, and only on a live priced offer', () => {
    const price = { unit: 'rate' as const, list: 0.05, floor: 0.04, suggested: 0.045, band: { min: 0.042, max: 0.048 }, pd: 0.02, pd_default: false };
    expect(canQuote({ state: 'suggested', price }, 'rm')).toBe(true);
    expect(canQuote({ state: 'accepted', price }, 'rm')).toBe(true);
    expect(canQuote({ state: 'suggested', price }, 'lead')).toBe(false);
    expect(canQuote({ state: 'suggested', price: null }, 'rm')).toBe(false);
    expect(canQuote({ state: 'sold', price }, 'rm')).toBe(false);
  });

  const offer = (id: number, state: Offer['state'] = 'suggested'): Offer => ({
    id, state, score: 0.3, expected_value: 1200, reasons: [], price: null,
    product: { code: `P${id}`, name: `产品${id}`, name_en: `Product ${id}`, family: 'loan', is_credit: true },
  });
  const queued = (offerId: number, state: string, more: Partial<OutboxItem> = {}): OutboxItem => ({
    client_id: `c-${offerId}-${state}`, kind: 'offer_feedback', body: { offer_id: offerId, state }, state: 'pending', createdAt: 1, attempts: 0, ...more,
  });

  it('lays unsent feedback over the server offers, the latest write winning', () => {
    const shown = overlayOffers([offer(1), offer(2)], [queued(1, 'presented'), queued(1, 'accepted'), queued(9, 'sold')], new Map(), 7);
    expect(shown.map((o) => [o.id, o.state, o.unsent])).toEqual([[1, 'accepted', true], [2, 'suggested', false]]);
  });

  it('marks a refused write as a problem, not as unsent', () => {
    const [shown] = overlayOffers([offer(1)], [queued(1, 'sold', { state: 'invalid' })], new Map(), 7);
    expect(shown.problem).toBe('invalid');
  });

  it('keeps sent feedback until the card shows it, and sold offers the server no longer lists', () => {
    const now = 1_000_000;
    const recent: RecentFeedback = new Map([
      [1, { offer: offer(1), customerId: 7, state: 'accepted', at: now - 1000 }],
      [3, { offer: offer(3, 'accepted'), customerId: 7, state: 'sold', at: now - 1000 }],
      [4, { offer: offer(4), customerId: 8, state: 'sold', at: now - 1000 }], // another customer's
    ]);
    const shown = overlayOffers([offer(1), offer(2, 'presented')], [], recent, 7, now);
    expect(shown.map((o) => [o.id, o.state, o.unsent])).toEqual([[1, 'accepted', false], [2, 'presented', false], [3, 'sold', false]]);
    // the server moved on: its state wins; an old memory fades
    expect(overlayOffers([offer(1, 'sold')], [], recent, 7, now)[0].state).toBe('sold');
    expect(overlayOffers([offer(1)], [], recent, 7, now + 3_600_000).map((o) => o.state)).toEqual(['suggested']);
  });
});

describe('referrals', () => {
  const base: Referral = {
    id: 1, state: 'new', need: '需要贷款', product_code: null, customer: null, prospect: { name: '新公司', phone: null, contact: null, region: null },
    rm: { id: 2, name: '张伟' }, created_at: '2026-11-30T01:00:00', acknowledged_at: null, first_contact_at: null,
    closed_at: null, credit: null, lost_reason: null, referrer: null,
    sla: { ack_due: '2026-11-30T02:00:00', contact_due: '2026-12-02T01:00:00', ack_missed: false, contact_missed: false },
  };
  const at = (iso: string) => Date.parse(`${iso}Z`);

  it('offers the moves the server allows', () => {
    expect(referralActions('new')).toEqual(['acknowledged', 'contacted', 'lost']);
    expect(referralActions('acknowledged')).toEqual(['contacted', 'lost']);
    expect(referralActions('contacted')).toEqual(['won', 'lost']);
    expect(referralActions('won')).toEqual([]);
    expect(isOpenReferral('contacted')).toBe(true);
    expect(isOpenReferral('lost')).toBe(false);
  });

  it('reads naive server times as UTC', () => {
    expect(serverTime('2026-11-30T02:00:00')).toBe(at('2026-11-30T02:00:00'));
    expect(serverTime('2026-11-30T10:00:00+08:00')).toBe(at('2026-11-30T02:00:00'));
    expect(serverTime(null)).toBeNull();
  });

  it('says by when each step is due, and when it is overdue', () => {
    expect(slaSteps(base, at('2026-11-30T01:30:00'))).toEqual([
      { step: 'ack', status: 'due', time: '2026-11-30T02:00:00' },
      { step: 'contact', status: 'due', time: '2026-12-02T01:00:00' },
    ]);
    expect(slaSteps(base, at('2026-11-30T03:00:00')).map((s) => s.status)).toEqual(['missed', 'due']);
    // the server's flag counts even when the device clock is behind
    expect(slaSteps({ ...base, sla: { ...base.sla!, contact_missed: true } }, at('2026-11-30T01:30:00')).map((s) => s.status)).toEqual(['due', 'missed']);
  });

  it('says when a step was done, and whether late', () => {
    const acknowledged = { ...base, state: 'acknowledged', acknowledged_at: '2026-11-30T01:20:00' };
    expect(slaSteps(acknowledged, at('2026-11-30T05:00:00'))).toEqual([
      { step: 'ack', status: 'met', time: '2026-11-30T01:20:00' },
      { step: 'contact', status: 'due', time: '2026-12-02T01:00:00' },
    ]);
    const late = { ...base, state: 'contacted', acknowledged_at: '2026-11-30T04:00:00', first_contact_at: '2026-11-30T04:00:00', sla: { ...base.sla!, ack_missed: true } };
    expect(slaSteps(late, at('2026-12-05T00:00:00')).map((s) => s.status)).toEqual(['late', 'met']);
  });

  it('shows nothing as due on a closed referral', () => {
    const lost = { ...base, state: 'lost', acknowledged_at: '2026-11-30T01:10:00' };
    expect(slaSteps(lost, at('2026-12-09T00:00:00'))).toEqual([{ step: 'ack', status: 'met', time: '2026-11-30T01:10:00' }]);
    expect(slaSteps({ ...base, sla: null })).toEqual([]);
  });

  const form = (more: Partial<ReferralForm>): ReferralForm => ({
    who: 'customer', customerNumber: '', name: '', phone: '', contact: '', region: '', need: '', productCode: '', ...more,
  });

  it('builds the body for an existing customer or a new company', () => {
    expect(referralBody(form({ customerNumber: ' C000123 ', need: ' 需要贷款 ', productCode: 'WCL' })).body)
      .toEqual({ customer_external_id: 'C000123', need: '需要贷款', product_code: 'WCL' });
    expect(referralBody(form({ who: 'prospect', customerNumber: 'ignored', name: '新公司', region: '杭州', need: '开户' })).body)
      .toEqual({ prospect: { name: '新公司', region: '杭州' }, need: '开户' });
  });

  it('names the fields to fix', () => {
    expect(referralBody(form({})).errors).toEqual({ need: 'refer.needNeed', customer_external_id: 'refer.needCustomer' });
    expect(referralBody(form({ who: 'prospect', need: 'x' })).errors).toEqual({ name: 'refer.needName' });
    expect(referralBody(form({})).body).toBeNull();
  });
});

describe('messages for every state', () => {
  it('translates the offer, quote and referral states the API sends', async () => {
    const { en } = await import('../src/i18n/en');
    const codes = {
      offerState: ['suggested', 'presented', 'accepted', 'declined', 'sold', 'expired'],
      quoteState: ['approved', 'pending_approval', 'refused', 'expired'],
      referralState: ['new', 'acknowledged', 'contacted', 'won', 'lost'],
      'sla.ack': ['due', 'missed', 'met', 'late'],
      'sla.contact': ['due', 'missed', 'met', 'late'],
    };
    for (const [family, list] of Object.entries(codes)) {
      for (const code of list) expect(`${family}.${code}` in en, `${family}.${code}`).toBe(true);
    }
  });
});
