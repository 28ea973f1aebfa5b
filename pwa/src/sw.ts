/// <reference lib="webworker" />
// Service worker: precache the app shell, serve index.html for client routes.
// API responses are never cached here: customer data lives in IndexedDB, where
// logout wipes it and the UI can say how old it is.
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';

declare let self: ServiceWorkerGlobalScope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { denylist: [/^\/api\//] }));

self.addEventListener('install', () => {
  // first install: take over at once; an update waits until the user accepts it
  if (!self.registration.active) void self.skipWaiting();
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
});

clientsClaim();

// Background Sync: replay the outbox even when no page is open.
import { drain } from './data/outbox';

type SyncEvent = ExtendableEvent & { tag: string };
self.addEventListener('sync', ((event: SyncEvent) => {
  if (event.tag !== 'rm-outbox') return;
  event.waitUntil(
    drain().then(async (outcome) => {
      const clients = await self.clients.matchAll({ type: 'window' });
      for (const client of clients) client.postMessage({ type: 'outbox-changed' });
      if (outcome.failed) throw new Error('outbox not drained; the browser will retry');
    }),
  );
}) as EventListener);

// Web Push (docs/push.md): show the alert; a tap opens the screen it is about.
import { getMeta } from './data/db';
import { clickTarget, notificationOptions, parsePayload } from './data/push-logic';

/** waitUntil, which a synthetic event (a test dispatching a click) refuses: do the work anyway. */
function keepAlive(event: ExtendableEvent, work: Promise<unknown>): void {
  try {
    event.waitUntil(work);
  } catch {
    void work.catch(() => undefined);
  }
}

async function tellWindows(message: Record<string, unknown>): Promise<readonly WindowClient[]> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage(message);
  return windows;
}

self.addEventListener('push', (event: PushEvent) => {
  let text: string | null = null;
  try {
    text = event.data ? event.data.text() : null;
  } catch {
    text = null;
  }
  const payload = parsePayload(text, self.navigator.language);
  keepAlive(event, Promise.all([
    self.registration.showNotification(payload.title, notificationOptions(payload)),
    tellWindows({ type: 'alerts-changed' }),
  ]));
});

/** The inbox shows the alert as read once its notification was opened. */
async function markRead(id: unknown): Promise<void> {
  if (typeof id !== 'number') return;
  try {
    const csrf = (await getMeta<string>('csrf')) ?? '';
    await fetch('/api/v1/notifications/read', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ ids: [id] }),
    });
  } catch {
    // offline: the inbox still shows it unread, which is true enough
  }
}

async function open(target: string): Promise<void> {
  const windows = (await self.clients.matchAll({ type: 'window', includeUncontrolled: true }))
    .filter((client) => new URL(client.url).origin === self.location.origin);
  const client = windows.find((c) => c.focused) ?? windows.find((c) => c.visibilityState === 'visible') ?? windows[0];
  if (!client) {
    await self.clients.openWindow(target);
    return;
  }
  // the page routes itself (no reload, no lost form); focus may be refused without a
  // real tap (a synthetic event), which must not stop the navigation
  client.postMessage({ type: 'navigate', url: target });
  await client.focus().catch(() => undefined);
}

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const data = event.notification.data as { url?: string; id?: number } | null;
  const target = clickTarget(data, event.action);
  keepAlive(event, Promise.all([open(target), markRead(data?.id)]).then(() => tellWindows({ type: 'alerts-changed' })));
});
