// Cross-line referrals (docs/offers.md): a referrer sends one, the RM it is routed to works
// it. Everything here needs a connection; nothing is saved on the device.
import { signal } from '@preact/signals';
import * as api from './api';
import { isOpenReferral } from '../logic/offers';

/** Open referrals waiting for the signed-in RM or lead's team, for the link on Today. */
export const openReferrals = signal<number | null>(null);

export async function list(): Promise<api.Referral[]> {
  const items = await api.listReferrals();
  openReferrals.value = items.filter((r) => isOpenReferral(r.state)).length;
  return items;
}

/** Count the open referrals now; offline or refused, keep the last count. */
export async function refreshOpen(): Promise<void> {
  try {
    await list();
  } catch {
    // offline: the link shows no count
  }
}

export const refer = api.createReferral;
export const update = api.updateReferral;
