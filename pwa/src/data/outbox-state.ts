// The page's view of the outbox: counts for the UI, and when to replay it.
import { computed, signal } from '@preact/signals';
import type { OutboxItem } from './db';
import { afterFirstScreen } from './idle';
import * as outbox from './outbox';

export const outboxState = signal<{ items: OutboxItem[]; unsent: number; problems: number; lastSync: number | null }>({ items: [], unsent: 0, problems: 0, lastSync: null });
/** The writes alone: a screen that overlays them (Today) is not drawn again when only the
 * time of the last sync changed. */
export const outboxItems = computed(() => outboxState.value.items);
/** Bumped after writes reached the server, so screens showing server data reload. */
export const syncedAt = signal(0);

const MIN_DELAY = 5_000;
const MAX_DELAY = 5 * 60_000;
let delay = MIN_DELAY;
let timer: ReturnType<typeof setTimeout> | undefined;
let started = false;

/** The same writes in the same states, with the same answers: nothing on screen would change.
 * (A write's body never changes: an edit is a new write.) */
function sameItems(a: OutboxItem[], b: OutboxItem[]): boolean {
  const answer = (item: OutboxItem) => (item.error || item.server ? JSON.stringify([item.error, item.server]) : '');
  return a.length === b.length && a.every((item, i) => item.client_id === b[i].client_id && item.state === b[i].state
    && item.attempts === b[i].attempts && item.sendingSince === b[i].sendingSince && answer(item) === answer(b[i]));
}

export async function refresh(): Promise<void> {
  const all = await outbox.items();
  const lastSync = (await outbox.lastSync()) ?? null;
  const current = outboxState.value;
  // a new value re-draws every screen that reads it (Today's whole plan): only when it changed
  const same = sameItems(all, current.items);
  if (same && lastSync === current.lastSync) return;
  outboxState.value = {
    items: same ? current.items : all, // outboxItems (below) tells only when they changed
    unsent: all.filter((i) => i.state === 'pending' || i.state === 'sending').length,
    problems: all.filter((i) => i.state !== 'pending' && i.state !== 'sending').length,
    lastSync,
  };
}

export async function syncNow(): Promise<void> {
  clearTimeout(timer);
  const outcome = await outbox.drain().catch(() => ({ sent: 0, failed: true, offline: true }));
  if (outcome.sent > 0) syncedAt.value = Date.now();
  await refresh();
  // back off while failing; otherwise check again now and then
  delay = outcome.failed ? Math.min(delay * 2, MAX_DELAY) : MIN_DELAY;
  if (outboxState.value.unsent > 0 || outcome.failed) timer = setTimeout(() => void syncNow(), delay);
}

async function requestBackgroundSync(): Promise<void> {
  try {
    const registration = await navigator.serviceWorker?.getRegistration();
    await (registration as ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } })?.sync?.register('rm-outbox');
  } catch {
    // no Background Sync here: the timer and the online event do the work
  }
}

export async function save(item: Parameters<typeof outbox.enqueue>[0]): Promise<void> {
  await outbox.enqueue(item);
  await refresh();
  void requestBackgroundSync();
  void syncNow();
}

export async function resolveKeepMine(item: OutboxItem, body?: Record<string, unknown>): Promise<void> {
  await outbox.keepMine(item, body);
  await refresh();
  void syncNow();
}

export async function discard(clientId: string): Promise<void> {
  await outbox.discard(clientId);
  await refresh();
}

/** At app start and at each sign-in: show what the outbox holds now; send it once the
 * first screen has drawn (afterFirstScreen), and whenever the device comes back online. */
export function startSync(): void {
  void refresh();
  afterFirstScreen(() => syncNow());
  if (started) return;
  started = true;
  window.addEventListener('online', () => {
    delay = MIN_DELAY;
    void syncNow();
  });
  navigator.serviceWorker?.addEventListener('message', (event) => {
    if (event.data?.type === 'outbox-changed') {
      syncedAt.value = Date.now();
      void refresh();
    }
  });
}
