// The morning (docs/calendar.md): the day's plan, network first and saved for offline use;
// plan entry changes go through the outbox; moments, risk cases and approvals need a connection.
import * as api from './api';
import * as cache from './cache';
import { afterFirstScreen } from './idle';
import { newClientId } from './outbox';
import { save } from './outbox-state';
import { networkFirst, prefetchCards, products, type Loaded } from './portfolio';
import type { Recent } from '../logic/plan';

const PREFETCH_CARDS = 30;

/** Changes the server accepted, until a fresh plan shows them (see logic/plan.ts: overlay). */
export const recent: Recent = new Map();

/** The plan of a day (the server's today when no date), of the caller or, for a lead, of an RM. */
export async function plan(date?: string, rm?: number): Promise<Loaded<api.Plan>> {
  const who = rm ? String(rm) : 'me';
  const key = `${who}:${date ?? 'today'}`;
  const result = await networkFirst(
    () => api.getPlan(date, rm),
    (p, g) => cache.savePlan([...new Set([key, `${who}:${p.date}`])], p, g),
    () => cache.loadPlan(key),
  );
  if (!result.offline) {
    for (const entry of result.data.entries) {
      const sent = recent.get(entry.id);
      if (sent && entry.version > sent.base_version) recent.delete(entry.id);
    }
    // today's customers open offline; other days are a glance. Once Today has drawn.
    if (!date && !rm) {
      const ids = [...new Set(result.data.entries.map((e) => e.customer.id))].slice(0, PREFETCH_CARDS);
      const generation = cache.currentGeneration();
      afterFirstScreen(() => prefetchCards(ids, generation));
      // and the product list, so an offline visit can still record what was discussed
      afterFirstScreen(() => products().catch(() => undefined));
    }
  }
  return result;
}

export type EntryChange = { state: 'done' | 'snoozed' | 'dismissed'; snoozed_to?: string; reason?: string };

/** Mark an entry done, snoozed or dismissed: saved on the device first, sent when possible. */
export async function setEntryState(entry: api.PlanEntry, change: EntryChange, label: string): Promise<void> {
  const body: Record<string, unknown> = { plan_entry_id: entry.id, state: change.state };
  if (change.snoozed_to) body.snoozed_to = change.snoozed_to;
  if (change.reason) body.reason = change.reason;
  recent.set(entry.id, { base_version: entry.version, state: change.state, snoozed_to: change.snoozed_to ?? null, at: Date.now() });
  await save({ client_id: newClientId(), kind: 'plan_entry_state', body, base_version: entry.version, customerId: entry.customer.id, label });
}

/** The live risk cases of one customer, for cards from a server that does not embed them. */
export async function riskCasesOf(customerId: number): Promise<api.RiskCase[]> {
  return (await api.listRiskCases()).filter((c) => c.customer_id === customerId);
}

export const updateMoment = api.updateMoment;
export const requestRiskAction = api.requestRiskAction;
export const decideRiskCase = api.decideRiskCase;
export const approvals = api.listApprovals;
export const createFeed = api.createFeed;
export const revokeFeed = api.revokeFeed;
