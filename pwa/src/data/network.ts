// Online/offline state for the banner, and when the server last answered anything.
import { signal } from '@preact/signals';

export const online = signal(typeof navigator === 'undefined' ? true : navigator.onLine);
/** Bumped by every answer from the server (any status): a server that was away is back. */
export const serverAnsweredAt = signal(0);

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => (online.value = true));
  window.addEventListener('offline', () => (online.value = false));
}
