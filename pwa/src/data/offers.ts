// Offers on the card (docs/offers.md): feedback goes through the outbox like a visit, so it
// works offline; quotes and their approval need a connection.
import * as api from './api';
import { newClientId } from './outbox';
import { save } from './outbox-state';
import type { RecentFeedback } from '../logic/offers';

/** Feedback the server may already have, until a fresh card shows it (see logic/offers.ts: overlayOffers). */
export const recent: RecentFeedback = new Map();

/** The customer's live offers, fresh from the server (for cards that come without them). */
export const offersOf = api.listOffers;

/** Presented, accepted, declined (why) or sold (how much): saved on the device first, sent when possible. */
export async function giveFeedback(offer: api.Offer, customerId: number, change: api.OfferFeedback, label: string): Promise<void> {
  const body: Record<string, unknown> = { offer_id: offer.id, state: change.state };
  if (change.reason) body.reason = change.reason;
  if (change.amount != null) body.amount = change.amount;
  recent.set(offer.id, { offer, customerId, state: change.state, at: Date.now() });
  await save({ client_id: newClientId(), kind: 'offer_feedback', body, customerId, label });
}

export const quote = api.createQuote;
export const decideQuote = api.decideQuote;
