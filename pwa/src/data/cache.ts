// The offline cache: the portfolio list, 360 cards, the day's plan, and when each was fetched.
// Signing out wipes them; the outbox is not the cache (session.ts decides what goes of it).
import type { Card, CustomerPage, CustomerSummary, Inbox, Plan } from './api';
import { db } from './db';

const RECENT_CARDS = 40;

export type Cached<T> = { data: T; fetchedAt: number };

// Bumped by wipe(). A save carries the generation it was fetched in and is dropped
// if a logout happened meanwhile, so a late answer cannot refill a wiped cache.
let generation = 0;
export const currentGeneration = () => generation;

export async function saveList(key: string, page: CustomerPage, since = generation): Promise<void> {
  const database = await db();
  if (since !== generation) return;
  await database.put('lists', { key, page, fetchedAt: Date.now() });
}

export async function loadList(key: string): Promise<Cached<CustomerPage> | undefined> {
  const row = await (await db()).get('lists', key);
  return row && { data: row.page, fetchedAt: row.fetchedAt };
}

export async function saveCard(card: Card, opened: boolean, since = generation): Promise<void> {
  const database = await db();
  const previous = await database.get('cards', card.id);
  // checked right before the write, so the write's transaction queues ahead of any wipe
  if (since !== generation) return;
  const now = Date.now();
  await database.put('cards', { id: card.id, card, fetchedAt: now, openedAt: opened ? now : (previous?.openedAt ?? 0) });
  if (opened) await pruneCards();
}

/** Keep today's customers (openedAt 0) and the most recently opened cards only. */
async function pruneCards(): Promise<void> {
  const database = await db();
  const opened = (await database.getAllFromIndex('cards', 'openedAt')).filter((r) => r.openedAt > 0);
  for (const row of opened.slice(0, Math.max(0, opened.length - RECENT_CARDS))) {
    await database.delete('cards', row.id);
  }
}

export async function loadCard(id: number): Promise<Cached<Card> | undefined> {
  const row = await (await db()).get('cards', id);
  return row && { data: row.card, fetchedAt: row.fetchedAt };
}

export async function savePlan(keys: string[], plan: Plan, since = generation): Promise<void> {
  const database = await db();
  if (since !== generation) return;
  const tx = database.transaction('plans', 'readwrite');
  const fetchedAt = Date.now();
  await Promise.all([...keys.map((key) => tx.store.put({ key, plan, fetchedAt })), tx.done]);
}

export async function loadPlan(key: string): Promise<Cached<Plan> | undefined> {
  const row = await (await db()).get('plans', key);
  return row && { data: row.plan, fetchedAt: row.fetchedAt };
}

/** Every customer the device holds (saved lists and cards), once each: what an offline
 * search looks through. */
export async function savedCustomers(): Promise<{ items: CustomerSummary[]; fetchedAt: number }> {
  const database = await db();
  const found = new Map<number, CustomerSummary>();
  let fetchedAt = 0;
  for (const row of await database.getAll('lists')) {
    for (const c of row.page.items) found.set(c.id, c);
    fetchedAt = Math.max(fetchedAt, row.fetchedAt);
  }
  for (const row of await database.getAll('cards')) {
    if (!found.has(row.id)) found.set(row.id, row.card);
    fetchedAt = Math.max(fetchedAt, row.fetchedAt);
  }
  return { items: [...found.values()], fetchedAt };
}

// The alerts inbox rides in the meta store under this key, and goes with the rest at sign-out.
const INBOX_KEY = 'inbox';

export async function saveInbox(inbox: Inbox, since = generation): Promise<void> {
  const database = await db();
  if (since !== generation) return;
  await database.put('meta', { key: INBOX_KEY, value: { data: inbox, fetchedAt: Date.now() } });
}

export async function loadInbox(): Promise<Cached<Inbox> | undefined> {
  const row = await (await db()).get('meta', INBOX_KEY);
  return row?.value as Cached<Inbox> | undefined;
}

export async function wipe(): Promise<void> {
  generation += 1;
  const database = await db();
  const stores = ['lists', 'cards', 'plans'] as const;
  const tx = database.transaction([...stores, 'meta'], 'readwrite');
  await Promise.all([...stores.map((name) => tx.objectStore(name).clear()), tx.objectStore('meta').delete(INBOX_KEY), tx.done]);
}
