// The offline cache in IndexedDB: the portfolio list, 360 cards, and when each was fetched.
// All schema changes live in upgrade(); logging out wipes every store.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Card, CustomerPage } from './api';

const DB_NAME = 'rm-companion';
const DB_VERSION = 1;
const RECENT_CARDS = 40;

interface CacheSchema extends DBSchema {
  lists: { key: string; value: { key: string; page: CustomerPage; fetchedAt: number } };
  cards: { key: number; value: { id: number; card: Card; fetchedAt: number; openedAt: number }; indexes: { openedAt: number } };
}

let dbPromise: Promise<IDBPDatabase<CacheSchema>> | null = null;

export function db(): Promise<IDBPDatabase<CacheSchema>> {
  dbPromise ??= openDB<CacheSchema>(DB_NAME, DB_VERSION, {
    upgrade(database) {
      database.createObjectStore('lists', { keyPath: 'key' });
      const cards = database.createObjectStore('cards', { keyPath: 'id' });
      cards.createIndex('openedAt', 'openedAt');
    },
    blocking() {
      // a newer tab wants to upgrade: let it
      dbPromise?.then((d) => d.close());
      dbPromise = null;
    },
    terminated() {
      // the browser closed the database (storage pressure): reopen on next use
      dbPromise = null;
    },
  });
  return dbPromise;
}

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

export async function wipe(): Promise<void> {
  generation += 1;
  const database = await db();
  const tx = database.transaction(['lists', 'cards'], 'readwrite');
  await Promise.all([tx.objectStore('lists').clear(), tx.objectStore('cards').clear(), tx.done]);
}
