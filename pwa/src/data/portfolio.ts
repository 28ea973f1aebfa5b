// Network first, saved data when offline: what screens call to read customers.
import * as api from './api';
import { OfflineError } from './api';
import * as cache from './cache';
import { getMeta, setMeta } from './db';
import { yieldToMain } from './idle';
import { matchCustomers } from '../logic/search';

export type Loaded<T> = { data: T; asOf: number; offline: boolean };

const TODAY_QUERY: api.CustomerQuery = { sort: 'last_contact', include_closed: false, per_page: 50 };

export async function networkFirst<T>(
  fetcher: () => Promise<T>,
  save: (data: T, generation: number) => Promise<void>,
  load: () => Promise<cache.Cached<T> | undefined>,
): Promise<Loaded<T>> {
  const generation = cache.currentGeneration();
  try {
    const data = await fetcher();
    await save(data, generation).catch(() => undefined); // a full disk must not hide fresh data
    return { data, asOf: Date.now(), offline: false };
  } catch (error) {
    if (!(error instanceof OfflineError)) throw error;
    const saved = await load();
    if (!saved) throw error;
    return { data: saved.data, asOf: saved.fetchedAt, offline: true };
  }
}

export function customers(query: api.CustomerQuery): Promise<Loaded<api.CustomerPage>> {
  const key = api.queryString(query);
  // offline, a search the device never ran looks through every customer it holds
  const load = async () => (await cache.loadList(key)) ?? (query.q ? searchSaved(query) : undefined);
  return networkFirst(() => api.listCustomers(query), (page, g) => cache.saveList(key, page, g), load);
}

async function searchSaved(query: api.CustomerQuery): Promise<cache.Cached<api.CustomerPage>> {
  const { items, fetchedAt } = await cache.savedCustomers();
  const found = matchCustomers(items, query.q ?? '');
  return { data: { items: found, total: found.length, page: 1, per_page: found.length }, fetchedAt };
}

/** The customers longest without contact: what Today offers on a day with no plan. */
export function longestWithoutContact(): Promise<Loaded<api.CustomerPage>> {
  return customers(TODAY_QUERY);
}

let prefetchRun = 0;

/**
 * Save the cards of today's customers so they open offline. One card at a time, each
 * fetched, parsed and stored in tasks of its own with the main thread given back in
 * between, so the RM can scroll and tap while it runs. A newer call (Today loaded again)
 * takes over from an older one still running; `generation`: the cache's when the list was
 * read, so a sign-out since then stops it.
 */
export async function prefetchCards(ids: number[], generation = cache.currentGeneration()): Promise<void> {
  const run = ++prefetchRun;
  for (const id of ids) {
    await yieldToMain();
    if (run !== prefetchRun) return; // a newer list took over
    if (generation !== cache.currentGeneration()) return; // signed out meanwhile
    try {
      const card = await api.getCustomer(id);
      await yieldToMain(); // the parse and the store write in separate tasks
      await cache.saveCard(card, false, generation);
    } catch {
      return; // offline again or logged out: try next time
    }
  }
}

export function card(id: number): Promise<Loaded<api.Card>> {
  return networkFirst(() => api.getCustomer(id), (c, g) => cache.saveCard(c, true, g), () => cache.loadCard(id));
}

/** The product catalogue for pickers; kept for offline use. */
export async function products(): Promise<api.Product[]> {
  try {
    const { items } = await api.listProducts();
    await setMeta('products', items);
    return items;
  } catch (error) {
    if (!(error instanceof OfflineError)) throw error;
    return (await getMeta<api.Product[]>('products')) ?? [];
  }
}

export async function requestPersistence(): Promise<void> {
  if (navigator.storage?.persist) await navigator.storage.persist().catch(() => false);
}
