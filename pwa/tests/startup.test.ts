import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as cache from '../src/data/cache';
import { afterFirstScreen, firstScreenDrawn, resetFirstScreen, yieldToMain } from '../src/data/idle';
import { prefetchCards } from '../src/data/portfolio';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  resetFirstScreen();
});

describe('start-up work after the first screen', () => {
  it('waits until the first screen says it has drawn, then runs', async () => {
    const done: string[] = [];
    afterFirstScreen(() => done.push('sync'));
    afterFirstScreen(() => done.push('prefetch'));
    await tick();
    expect(done).toEqual([]);
    firstScreenDrawn();
    await tick();
    expect(done).toEqual(['sync', 'prefetch']);
    afterFirstScreen(() => done.push('later')); // once drawn, only an idle moment to wait for
    await tick();
    expect(done).toEqual(['sync', 'prefetch', 'later']);
  });

  it('runs anyway when the first screen never says (another screen opened first)', async () => {
    vi.useFakeTimers();
    const done: string[] = [];
    afterFirstScreen(() => done.push('sync'));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(done).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_100);
    expect(done).toEqual(['sync']);
  });

  it('continues in a later task when yielding', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('other task'), 0);
    await yieldToMain();
    order.push('after yield');
    expect(order).toEqual(['other task', 'after yield']);
  });
});

describe("prefetching today's cards", () => {
  const answer = (id: number) => new Response(JSON.stringify({ id, name: `C${id}` }), { status: 200 });

  it('saves every card, one at a time', async () => {
    await cache.wipe();
    let inFlight = 0;
    let most = 0;
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      inFlight -= 1;
      return answer(Number(url.split('/').pop()));
    }));
    await prefetchCards([1, 2, 3]);
    expect(most).toBe(1);
    for (const id of [1, 2, 3]) expect((await cache.loadCard(id))?.data.id).toBe(id);
  });

  it('stops when the user signed out since the plan was read', async () => {
    await cache.wipe();
    const generation = cache.currentGeneration();
    await cache.wipe(); // signed out meanwhile
    const fetch = vi.fn(async (url: string) => answer(Number(url.split('/').pop())));
    vi.stubGlobal('fetch', fetch);
    await prefetchCards([1, 2], generation);
    expect(fetch).not.toHaveBeenCalled();
    expect(await cache.loadCard(1)).toBeUndefined();
  });

  it('gives way to a newer list', async () => {
    await cache.wipe();
    const asked: number[] = [];
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      const id = Number(url.split('/').pop());
      asked.push(id);
      await tick();
      return answer(id);
    }));
    const older = prefetchCards([1, 2, 3, 4]);
    await tick();
    await prefetchCards([7]);
    await older;
    expect(asked).toContain(7);
    expect(asked).not.toContain(4);
  });
});
