// The in-app alerts inbox (docs/push.md): every alert, pushed or not. Network first; the last
// inbox read stays on the device so alerts stay readable offline (signing out wipes it).
// The unread count feeds the badge on the nav item.
import { signal } from '@preact/signals';
import * as api from './api';
import * as cache from './cache';
import { networkFirst, type Loaded } from './portfolio';
import { afterFirstScreen } from './idle';

const POLL_MS = 60_000;

export const unread = signal(0);

export async function inbox(): Promise<Loaded<api.Inbox>> {
  const loaded = await networkFirst(() => api.getInbox(), (data, g) => cache.saveInbox(data, g), () => cache.loadInbox());
  if (!loaded.offline) unread.value = loaded.data.unread;
  return loaded;
}

export async function refreshUnread(): Promise<void> {
  try {
    unread.value = (await api.getInbox(true)).unread;
  } catch {
    // offline or signed out: keep the last count
  }
}

export async function markRead(ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await api.markAlertsRead({ ids });
  await refreshUnread();
}

export async function markAllRead(): Promise<void> {
  await api.markAlertsRead({ all: true });
  unread.value = 0;
}

/** Keep the count fresh: once the first screen has drawn, then when the app comes back to
 * the front, and each minute while seen. */
export function watchUnread(): () => void {
  const visible = () => document.visibilityState === 'visible';
  const onFront = () => visible() && void refreshUnread();
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  afterFirstScreen(() => {
    if (stopped) return;
    void refreshUnread();
    timer = setInterval(() => visible() && void refreshUnread(), POLL_MS);
    window.addEventListener('focus', onFront);
    document.addEventListener('visibilitychange', onFront);
  });
  return () => {
    stopped = true;
    clearInterval(timer);
    window.removeEventListener('focus', onFront);
    document.removeEventListener('visibilitychange', onFront);
  };
}
