// Pure helpers for offers, quotes and referrals: no DOM, no network, so unit tests can call them.
import type { Offer, OfferFeedback, OfferState, Price, PriceUnit, Referral, ReferralBody, ReferralChange, Sla } from '../data/api';
import type { OutboxItem, OutboxState } from '../data/db';
import { serverMillis as serverTime } from '../data/time';

export { serverTime };

// --- offers

export type FeedbackState = OfferFeedback['state'];

/** Which feedback may follow which state: an offer only moves forward (the server's rule too). */
const NEXT: Record<OfferState, readonly FeedbackState[]> = {
  suggested: ['presented', 'accepted', 'declined'],
  presented: ['accepted', 'declined'],
  accepted: ['sold', 'declined'],
  declined: [],
  sold: [],
  expired: [],
};

const BUTTON_ORDER: readonly FeedbackState[] = ['presented', 'accepted', 'declined', 'sold'];

/** The feedback buttons an offer in this state shows, in a steady order. */
export function feedbackActions(state: string): FeedbackState[] {
  const next = NEXT[state as OfferState] ?? [];
  return BUTTON_ORDER.filter((s) => next.includes(s));
}

const QUOTABLE: ReadonlySet<string> = new Set(['suggested', 'presented', 'accepted']);

/** An RM may quote a price on a live offer that has price guidance. */
export function canQuote(offer: Pick<Offer, 'state' | 'price'>, role: string | undefined): boolean {
  return role === 'rm' && offer.price != null && QUOTABLE.has(offer.state);
}

// --- rates and fees as people type them

const BP_PER_UNIT = 10_000;

/** What the RM types into a rate field ("4.35", "4,35 ", "4.355") as a yearly fraction to a basis point (0.0435, 0.0436); null when not a number. */
export function percentToFraction(text: string): number | null {
  const value = parseNumber(text);
  if (value == null) return null;
  return Math.round(value * 100) / BP_PER_UNIT;
}

/** A yearly fraction as the percentage the RM would type: 0.0435 -> "4.35". */
export function fractionToPercent(fraction: number): string {
  return (Math.round(fraction * BP_PER_UNIT) / 100).toFixed(2);
}

/** Parse a price field: a rate typed as a percentage, a fee in whole yuan. */
export function parsePrice(text: string, unit: PriceUnit): number | null {
  if (unit === 'rate') return percentToFraction(text);
  const value = parseNumber(text);
  return value == null ? null : Math.round(value);
}

/** The price as the form shows it to start with. */
export function priceInput(value: number, unit: PriceUnit): string {
  return unit === 'rate' ? fractionToPercent(value) : String(Math.round(value));
}

/** Where a price sits against the band; within a hair counts as inside (float noise). */
export function bandPosition(value: number, band: { min: number; max: number }): 'below' | 'inside' | 'above' {
  const eps = 1e-9;
  if (value < band.min - eps) return 'below';
  if (value > band.max + eps) return 'above';
  return 'inside';
}

/** The distance from a rate to the band, in whole basis points (0 inside). */
export function basisPointsOutside(value: number, band: { min: number; max: number }): number {
  const where = bandPosition(value, band);
  if (where === 'inside') return 0;
  return Math.round(Math.abs(value - (where === 'below' ? band.min : band.max)) * BP_PER_UNIT);
}

export function parseNumber(text: string): number | null {
  const clean = text.trim().replace(/[,，]/g, '.').replace(/\s+/g, '');
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(clean)) return null;
  const value = Number(clean);
  return Number.isFinite(value) ? value : null;
}

// --- what the card shows: the server's offers with the device's unsent feedback laid over

export type ShownOffer = Offer & { unsent: boolean; problem: OutboxState | null; clientId: string | null };
/** Feedback the server accepted, until the card shows it (declined and sold offers leave the card). */
export type RecentFeedback = Map<number, { offer: Offer; customerId: number; state: OfferState; at: number }>;
export const RECENT_MS = 5 * 60_000;

export function overlayOffers(offers: Offer[], items: OutboxItem[], recent: RecentFeedback, customerId: number, now = Date.now()): ShownOffer[] {
  const latest = new Map<number, OutboxItem>();
  for (const item of items) {
    if (item.kind === 'offer_feedback') latest.set(Number(item.body.offer_id), item); // oldest first: the last wins
  }
  const shown: ShownOffer[] = offers.map((offer) => {
    const item = latest.get(offer.id);
    if (item) {
      return { ...offer, state: item.body.state as OfferState, unsent: true, problem: problemOf(item), clientId: item.client_id };
    }
    const sent = recent.get(offer.id);
    if (sent && rank(sent.state) > rank(offer.state) && now - sent.at < RECENT_MS) {
      return { ...offer, state: sent.state, unsent: false, problem: null, clientId: null };
    }
    return { ...offer, unsent: false, problem: null, clientId: null };
  });
  // sold or declined since the card was read: the server no longer lists them, the RM still should
  const listed = new Set(offers.map((o) => o.id));
  for (const [id, sent] of recent) {
    if (listed.has(id) || sent.customerId !== customerId || now - sent.at >= RECENT_MS) continue;
    const item = latest.get(id);
    shown.push({ ...sent.offer, state: item ? (item.body.state as OfferState) : sent.state, unsent: Boolean(item), problem: item ? problemOf(item) : null, clientId: item?.client_id ?? null });
  }
  return shown;
}

function problemOf(item: OutboxItem): OutboxState | null {
  return item.state === 'pending' || item.state === 'sending' ? null : item.state;
}

const ORDER: Record<OfferState, number> = { suggested: 0, presented: 1, accepted: 2, declined: 3, sold: 3, expired: 3 };

function rank(state: OfferState): number {
  return ORDER[state] ?? 0;
}

export function isPriced(price: Price | null | undefined): price is Price {
  return price != null && typeof price.list === 'number' && typeof price.suggested === 'number';
}

// --- referrals

const REFERRAL_NEXT: Record<string, readonly ReferralChange['state'][]> = {
  new: ['acknowledged', 'contacted', 'lost'],
  acknowledged: ['contacted', 'lost'],
  contacted: ['won', 'lost'],
};

/** What the RM may do with a referral in this state. */
export function referralActions(state: string): ReferralChange['state'][] {
  return [...(REFERRAL_NEXT[state] ?? [])];
}

export function isOpenReferral(state: string): boolean {
  return state in REFERRAL_NEXT;
}

export type SlaStep = { step: 'ack' | 'contact'; status: 'due' | 'missed' | 'met' | 'late'; time: string };

/**
 * The two service times of a referral as the reader should see them: acknowledge within a
 * business hour, contact within two business days. A step already done says when (and
 * whether late); a step still to do says by when, or that it is overdue; a closed referral
 * has nothing left to be due.
 */
export function slaSteps(
  referral: Pick<Referral, 'acknowledged_at' | 'first_contact_at'> & { state: string; sla: Sla | null },
  now = Date.now(),
): SlaStep[] {
  const sla = referral.sla;
  if (!sla) return [];
  const open = isOpenReferral(referral.state);
  const ackDone = referral.acknowledged_at ?? (referral.state !== 'new' ? referral.first_contact_at ?? null : null);
  const steps: SlaStep[] = [];
  const add = (step: SlaStep['step'], due: string | null, done: string | null | undefined, missed: boolean) => {
    const dueMs = serverTime(due);
    const doneMs = serverTime(done);
    if (doneMs != null) {
      const late = missed || (dueMs != null && doneMs > dueMs);
      steps.push({ step, status: late ? 'late' : 'met', time: done! });
    } else if (open && due) {
      const overdue = missed || (dueMs != null && now > dueMs);
      steps.push({ step, status: overdue ? 'missed' : 'due', time: due });
    }
  };
  add('ack', sla.ack_due, ackDone, sla.ack_missed);
  add('contact', sla.contact_due, referral.first_contact_at, sla.contact_missed);
  return steps;
}

export type ReferralForm = {
  who: 'customer' | 'prospect';
  customerNumber: string;
  name: string;
  phone: string;
  contact: string;
  region: string;
  need: string;
  productCode: string;
};

export type ReferralErrorKey = 'refer.needCustomer' | 'refer.needName' | 'refer.needNeed';

/** The POST body of a referral form, or which fields to fix (message keys by field). */
export function referralBody(form: ReferralForm): { body: ReferralBody | null; errors: Record<string, ReferralErrorKey> } {
  const errors: Record<string, ReferralErrorKey> = {};
  const need = form.need.trim();
  if (!need) errors.need = 'refer.needNeed';
  let body: ReferralBody | null = null;
  if (form.who === 'customer') {
    const number = form.customerNumber.trim();
    if (!number) errors.customer_external_id = 'refer.needCustomer';
    body = { customer_external_id: number, need };
  } else {
    const name = form.name.trim();
    if (!name) errors.name = 'refer.needName';
    const prospect: ReferralBody['prospect'] = { name };
    for (const field of ['phone', 'contact', 'region'] as const) {
      if (form[field].trim()) prospect[field] = form[field].trim();
    }
    body = { prospect, need };
  }
  if (form.productCode) body.product_code = form.productCode;
  return Object.keys(errors).length ? { body: null, errors } : { body, errors };
}
