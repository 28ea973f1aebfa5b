// Network first, saved data when offline: what screens call to read customers.
import * as api from './api';
import { OfflineError } from './api';
import * as cache from './cache';
import { getMeta, setMeta } from './db';

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
  return networkFirst(() => api.listCustomers(query), (page, g) => cache.saveList(key, page, g), () => cache.loadList(key));
}

/** The customers longest without contact: what Today offers on a day with no plan. */
export function longestWithoutContact(): Promise<Loaded<api.CustomerPage>> {
  return customers(TODAY_QUERY);
}

/** Save the cards of today's customers so they open offline. */
export async function prefetchCards(ids: number[]): Promise<void> {
  const generation = cache.currentGeneration();
  for (const id of ids) {
    if (generation !== cache.currentGeneration()) return; // signed out meanwhile
    try {
      await cache.saveCard(await api.getCustomer(id), false, generation);
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
