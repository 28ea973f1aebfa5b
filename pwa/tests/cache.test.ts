import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Card, CustomerPage, Plan } from '../src/data/api';
import { queryString } from '../src/data/api';
import * as cache from '../src/data/cache';
import { db } from '../src/data/db';

const page: CustomerPage = { items: [], total: 0, page: 1, per_page: 50 };
const card = (id: number) => ({ id, name: `C${id}` }) as unknown as Card;

describe('offline cache', () => {
  it('keeps lists and cards with the time they were fetched', async () => {
    const before = Date.now();
    await cache.saveList('?sort=last_contact', page);
    await cache.saveCard(card(1), true);
    const list = await cache.loadList('?sort=last_contact');
    expect(list?.data).toEqual(page);
    expect(list!.fetchedAt).toBeGreaterThanOrEqual(before);
    expect((await cache.loadCard(1))?.data.id).toBe(1);
  });

  it('keeps only the most recently opened cards, but never drops prefetched ones', async () => {
    await cache.wipe();
    await cache.saveCard(card(999), false); // prefetched for today
    for (let id = 1; id <= 45; id++) await cache.saveCard(card(id), true);
    expect(await cache.loadCard(1)).toBeUndefined();
    expect(await cache.loadCard(45)).toBeDefined();
    expect(await cache.loadCard(999)).toBeDefined();
  });

  it('never touches the outbox: what goes of it is decided by the session (outbox.test.ts)', async () => {
    const outbox = (await db()).transaction('outbox', 'readwrite').store;
    await outbox.put({ client_id: 'c-1', kind: 'interaction', body: {}, state: 'pending', attempts: 0, createdAt: 1 } as never);
    await cache.saveCard(card(8), true);
    await cache.wipe();
    expect(await cache.loadCard(8)).toBeUndefined();
    expect((await (await db()).getAll('outbox')).map((i) => i.client_id)).toEqual(['c-1']);
  });

  it('wipes everything on logout', async () => {
    await cache.saveList('x', page);
    await cache.saveCard(card(7), true);
    await cache.wipe();
    expect(await cache.loadList('x')).toBeUndefined();
    expect(await cache.loadCard(7)).toBeUndefined();
  });
});

describe('saved plans', () => {
  it('keeps a plan under each of its keys and wipes it on logout', async () => {
    const plan = { date: '2026-11-30', entries: [], working_day: true } as Plan;
    await cache.savePlan(['me:today', 'me:2026-11-30'], plan);
    expect((await cache.loadPlan('me:today'))?.data.date).toBe('2026-11-30');
    expect((await cache.loadPlan('me:2026-11-30'))?.data).toEqual(plan);
    await cache.wipe();
    expect(await cache.loadPlan('me:today')).toBeUndefined();
  });

  it('drops a plan fetched before a logout', async () => {
    const generation = cache.currentGeneration();
    await cache.wipe();
    await cache.savePlan(['me:today'], { date: '2026-11-30', entries: [], working_day: true } as Plan, generation);
    expect(await cache.loadPlan('me:today')).toBeUndefined();
  });
});

describe('query strings', () => {
  it('drops empty values and keeps the rest', () => {
    expect(queryString({ q: '', segment: 'micro', page: 2 })).toBe('?segment=micro&page=2');
    expect(queryString({})).toBe('');
  });
});

describe('logout races', () => {
  it('drops a save fetched before a wipe that lands after it', async () => {
    const generation = cache.currentGeneration();
    await cache.wipe(); // the user signs out while a prefetch is in flight
    await cache.saveCard(card(5), false, generation);
    await cache.saveList('late', page, generation);
    expect(await cache.loadCard(5)).toBeUndefined();
    expect(await cache.loadList('late')).toBeUndefined();
  });
});
