// Registers the service worker and raises an "update available" prompt; never reloads by itself.
import { signal } from '@preact/signals';
import { Workbox } from 'workbox-window';

export const updateReady = signal(false);
let wb: Workbox | null = null;

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
