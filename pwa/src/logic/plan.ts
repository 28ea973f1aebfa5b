// Pure helpers for the plan screens: no DOM, no network, so unit tests can call them.
import type { PlanEntry, PlanState, Reason } from '../data/api';
import type { OutboxItem, OutboxState } from '../data/db';

export function pickText(locale: string, zh: string | null | undefined, en: string | null | undefined): string {
  const first = locale === 'en' ? en : zh;
  const second = locale === 'en' ? zh : en;
  return (first?.trim() ? first : second?.trim() ? second : '') ?? '';
}

export function reasonText(locale: string, reason: Reason): string {
  return pickText(locale, reason.zh, reason.en) || reason.code;
}

const OPEN: ReadonlySet<PlanState> = new Set(['planned', 'missed']);

export function isOpen(entry: Pick<PlanEntry, 'state'>): boolean {
  return OPEN.has(entry.state);
}

/** Open entries in the order an RM works them: first those that cannot wait (the server's
 * `must_do`), weightiest first; then the rest of the day by suggested time (calls without an
 * hour last), and those already handled. */
export function splitPlan<T extends PlanEntry>(entries: T[]): { mustDo: T[]; byTime: T[]; handled: T[] } {
  const byPriority = (a: T, b: T) => b.priority - a.priority || a.customer.id - b.customer.id;
  const hour = (e: T) => e.suggested_hour ?? 99;
  const open = entries.filter(isOpen);
  return {
    mustDo: open.filter((e) => e.must_do).sort(byPriority),
    byTime: open.filter((e) => !e.must_do).sort((a, b) => hour(a) - hour(b) || byPriority(a, b)),
    handled: entries.filter((e) => !isOpen(e)).sort(byPriority),
  };
}

/** ISO date (yyyy-mm-dd) plus n calendar days; no time zone can shift it. */
export function addDays(iso: string, n: number): string {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The first Monday-to-Friday after the day: the default snooze. Holidays are the server's business. */
export function nextWorkingDay(iso: string): string {
  let next = addDays(iso, 1);
  while ([0, 6].includes(new Date(`${next}T00:00:00Z`).getUTCDay())) next = addDays(next, 1);
  return next;
}

/** The last Monday-to-Friday before the day. */
export function previousWorkingDay(iso: string): string {
  let previous = addDays(iso, -1);
  while ([0, 6].includes(new Date(`${previous}T00:00:00Z`).getUTCDay())) previous = addDays(previous, -1);
  return previous;
}

export const MAX_SNOOZE_DAYS = 60; // the server's limit too

/** A snooze must move the entry to a later day than its own, within two months. */
export function validSnooze(entryDay: string, to: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) && to > entryDay && to <= addDays(entryDay, MAX_SNOOZE_DAYS);
}

/** The RMs whose entries a (lead's team) plan holds, by name. */
export function rmsOf(entries: Pick<PlanEntry, 'rm'>[]): { id: number; name: string }[] {
  const found = new Map<number, string>();
  for (const e of entries) if (e.rm) found.set(e.rm.id, e.rm.name ?? '');
  return [...found].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.id - b.id);
}

export type ShownEntry = PlanEntry & { unsent: boolean; problem: OutboxState | null; clientId: string | null };
/** States set on this device, kept until the server's plan shows them (or for a short while). */
export type Recent = Map<number, { base_version: number; state: PlanState; snoozed_to: string | null; at: number }>;
export const RECENT_MS = 120_000;

/**
 * What the RM should see: the server's entries with the writes still on the device laid
 * over them (marked unsent), and sent writes kept until the server's copy catches up.
 */
export function overlay(entries: PlanEntry[], items: OutboxItem[], recent: Recent, now = Date.now()): ShownEntry[] {
  const latest = new Map<number, OutboxItem>();
  for (const item of items) {
    // oldest first: the last wins. A contact logged from the entry closes it (the server does the same).
    if ((item.kind === 'plan_entry_state' || item.kind === 'interaction') && item.body.plan_entry_id != null) {
      latest.set(Number(item.body.plan_entry_id), item);
    }
  }
  return entries.map((entry) => {
    const item = latest.get(entry.id);
    if (item) {
      const state = item.kind === 'interaction' ? (isOpen(entry) ? 'done' : entry.state) : item.body.state as PlanState;
      return {
        ...entry, state, snoozed_to: (item.body.snoozed_to as string | undefined) ?? null,
        unsent: true, problem: item.state === 'pending' || item.state === 'sending' ? null : item.state, clientId: item.client_id,
      };
    }
    const sent = recent.get(entry.id);
    // sent, but the plan on screen predates it; a discarded or refused write ages out
    if (sent && entry.version <= sent.base_version && now - sent.at < RECENT_MS) {
      return { ...entry, state: sent.state, snoozed_to: sent.snoozed_to, unsent: false, problem: null, clientId: null };
    }
    return { ...entry, unsent: false, problem: null, clientId: null };
  });
}

/** A search for the customer on the map (AMap, the bank's market); just a link, nothing is sent. */
export function mapsUrl(name: string): string {
  return `https://uri.amap.com/search?keyword=${encodeURIComponent(name)}`;
}
