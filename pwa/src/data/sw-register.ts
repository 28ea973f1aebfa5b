// Registers the service worker and raises an "update available" prompt; never reloads by itself.
import { signal } from '@preact/signals';
import { Workbox } from 'workbox-window';
import { refreshUnread } from './alerts';

export const updateReady = signal(false);
/** Where a tapped notification wants to go; the router (Layout) takes it from here. */
export const pendingNavigation = signal<string | null>(null);
let wb: Workbox | null = null;

// Messages from the service worker: a tapped notification, an alert that just arrived.
// Listened to from the start (messages wait until startMessages), so none is lost while
// the app is still loading.
if (typeof navigator !== 'undefined' && 'serviceWorker' in navigator) {
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { type?: string; url?: unknown } | null;
    if (data?.type === 'navigate' && typeof data.url === 'string' && data.url.startsWith('/') && !data.url.startsWith('//')) {
      pendingNavigation.value = data.url;
    } else if (data?.type === 'alerts-changed') {
      void refreshUnread();
    }
  });
  navigator.serviceWorker.startMessages();
}

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  wb = new Workbox('/sw.js', { scope: '/' });
  wb.addEventListener('waiting', () => {
    updateReady.value = true;
  });
  void wb.register();
}

/** The user chose to update: activate the waiting worker, then reload once it controls. */
export function applyUpdate(): void {
  if (!wb) return;
  wb.addEventListener('controlling', () => window.location.reload());
  wb.messageSkipWaiting();
}
