// The page's view of the outbox: counts for the UI, and when to replay it.
//
// When: at start, right after each save, when the device comes back online, when the app is
// shown again or gets the focus, when the server answers any request after being away, and
// on a timer backing off from 2 s to 10 s while the app is visible (5 minutes hidden, where
// Background Sync does the rest). Never while the device is offline: no request could
// succeed. Every tab shows the same count: a change in one tells the others (BroadcastChannel).
import { computed, effect, signal } from '@preact/signals';
import type { OutboxItem, OutboxOwner } from './db';
import { afterFirstScreen } from './idle';
import { serverAnsweredAt } from './network';
import * as outbox from './outbox';

export const outboxState = signal<{ items: OutboxItem[]; unsent: number; problems: number; lastSync: number | null }>({ items: [], unsent: 0, problems: 0, lastSync: null });
/** The writes alone: a screen that overlays them (Today) is not drawn again when only the
 * time of the last sync changed. */
export const outboxItems = computed(() => outboxState.value.items);
/** Bumped after writes reached the server, so screens showing server data reload. */
export const syncedAt = signal(0);
/** Unsent writes on this device that wait for their owner to sign in (the sign-in screen). */
export const waiting = signal<{ owner: OutboxOwner | null; count: number }[]>([]);

const MIN_DELAY = 2_000;
const MAX_DELAY_VISIBLE = 10_000;
const MAX_DELAY_HIDDEN = 5 * 60_000;
let delay = MIN_DELAY;
let timer: ReturnType<typeof setTimeout> | undefined;
let started = false;
let signedOut = false;
let lastFailed = false;
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('rm-outbox');

/** The same writes in the same states, with the same answers: nothing on screen would change.
 * (A write's body never changes: an edit is a new write.) */
function sameItems(a: OutboxItem[], b: OutboxItem[]): boolean {
  const answer = (item: OutboxItem) => (item.error || item.server ? JSON.stringify([item.error, item.server]) : '');
  return a.length === b.length && a.every((item, i) => item.client_id === b[i].client_id && item.state === b[i].state
    && item.attempts === b[i].attempts && item.sendingSince === b[i].sendingSince && answer(item) === answer(b[i]));
}

const isUnsent = (i: OutboxItem) => i.state === 'pending' || i.state === 'sending';

export async function refresh(): Promise<void> {
  const [all, mine, lastSync] = await Promise.all([outbox.allItems(), outbox.items(), outbox.lastSync()]);
  const mineIds = new Set(mine.map((item) => item.client_id));
  const others = new Map<number, { owner: OutboxOwner | null; count: number }>();
  for (const item of all) {
    if (mineIds.has(item.client_id) || !isUnsent(item)) continue;
    const key = item.owner?.id ?? 0;
    const entry = others.get(key) ?? { owner: item.owner ?? null, count: 0 };
    entry.count += 1;
    others.set(key, entry);
  }
  const nowWaiting = [...others.values()];
  if (JSON.stringify(nowWaiting) !== JSON.stringify(waiting.value)) waiting.value = nowWaiting;
  const current = outboxState.value;
  // a new value re-draws every screen that reads it (Today's whole plan): only when it changed
  const same = sameItems(mine, current.items);
  if (same && (lastSync ?? null) === current.lastSync) return;
  outboxState.value = {
    items: same ? current.items : mine, // outboxItems (below) tells only when they changed
    unsent: mine.filter(isUnsent).length,
    problems: mine.filter((i) => !isUnsent(i)).length,
    lastSync: lastSync ?? null,
  };
}

/** This tab changed the outbox: show it here and in every other tab. */
async function changed(): Promise<void> {
  await refresh();
  channel?.postMessage('changed');
}

const visible = () => typeof document === 'undefined' || document.visibilityState !== 'hidden';

export async function syncNow(): Promise<void> {
  clearTimeout(timer);
  timer = undefined;
  if (!navigator.onLine) {
    await refresh(); // the 'online' event sends it
    return;
  }
  const outcome = await outbox.drain().catch(() => ({ sent: 0, failed: true, offline: true, signedOut: false }));
  lastFailed = outcome.failed;
  signedOut = Boolean(outcome.signedOut);
  if (outcome.sent > 0) syncedAt.value = Date.now();
  await changed();
  // back off while failing; otherwise check again now and then
  delay = outcome.failed ? Math.min(delay * 2, visible() ? MAX_DELAY_VISIBLE : MAX_DELAY_HIDDEN) : MIN_DELAY;
  // signed out by the server: nothing goes until the owner signs in again (startSync)
  if (!signedOut && (outboxState.value.unsent > 0 || outcome.failed)) schedule();
}

function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void syncNow(), delay);
}

/** Something says a request may succeed now: try at once, and back off from the start. */
function retrySoon(): void {
  // not gated on this tab's count: another tab or the service worker may have queued
  // writes it has not heard of; an empty outbox sends no request
  if (signedOut) return;
  delay = MIN_DELAY;
  void syncNow();
}

async function requestBackgroundSync(): Promise<void> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    await (registration as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } })?.sync?.register('rm-outbox');
  } catch {
    // no Background Sync here: the timer and the online event do the work
  }
}

export async function save(item: Parameters<typeof outbox.enqueue>[0], replacing?: string): Promise<void> {
  await outbox.enqueueReplacing(item, replacing);
  await changed();
  void requestBackgroundSync();
  void syncNow();
  // a held write goes as soon as its Undo window closes (the timer's back-off may be longer)
  if (item.holdUntil) setTimeout(() => void syncNow(), Math.max(0, item.holdUntil - Date.now()) + 50);
}

/** Undo a held write: true if it was taken back before it went. */
export async function withdraw(clientId: string): Promise<boolean> {
  const taken = await outbox.withdraw(clientId);
  await changed();
  return taken;
}

export async function resolveKeepMine(item: OutboxItem, body?: Record<string, unknown>): Promise<void> {
  await outbox.keepMine(item, body);
  await changed();
  void syncNow();
}

/** The conflict screen asks the server for its version as it is now. */
export async function recheck(clientId: string): Promise<OutboxItem | undefined> {
  const item = await outbox.recheck(clientId);
  if (!item) syncedAt.value = Date.now(); // it went through after all
  await changed();
  return item;
}

export async function discard(clientId: string): Promise<void> {
  await outbox.discard(clientId);
  await changed();
}

/** At app start and at each sign-in: show what the outbox holds now; send it once the
 * first screen has drawn (afterFirstScreen), and whenever a request may succeed again. */
export function startSync(): void {
  signedOut = false;
  delay = MIN_DELAY;
  void refresh();
  afterFirstScreen(() => syncNow());
  if (started) return;
  started = true;
  window.addEventListener('online', retrySoon);
  window.addEventListener('focus', retrySoon);
  document.addEventListener('visibilitychange', () => {
    if (visible()) retrySoon();
  });
  // the server answered a screen's request after the outbox found it away: it is back
  effect(() => {
    if (serverAnsweredAt.value && lastFailed) retrySoon();
  });
  channel?.addEventListener('message', () => void refresh());
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'outbox-changed') {
      syncedAt.value = Date.now();
      void refresh();
    }
  });
}
