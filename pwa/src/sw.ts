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
