// Web Push on this device (docs/push.md): permission, the subscription, preferences.
// Permission is only ever asked from a button the user pressed (enable()).
import { signal } from '@preact/signals';
import * as api from './api';
import { getMeta, setMeta } from './db';
import { base64UrlToBytes, sameKey } from './push-logic';

export type PushState = 'unsupported' | 'blocked' | 'off' | 'on';

const KEY_META = 'push.key';
const NOT_NOW = 'rm.push.notNow.';
const READY_TIMEOUT = 10_000;

/** This device's state, shared by Settings and the Today prompt. */
export const pushState = signal<PushState>(supported() ? 'off' : 'unsupported');

export function supported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

export function permission(): NotificationPermission | 'unsupported' {
  return supported() ? Notification.permission : 'unsupported';
}

/** The service worker registration, or null where none comes (development server). */
async function registration(): Promise<ServiceWorkerRegistration | null> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), READY_TIMEOUT));
  return Promise.race([navigator.serviceWorker.ready, timeout]);
}

async function current(): Promise<PushSubscription | null> {
  const reg = await registration();
  return reg ? reg.pushManager.getSubscription() : null;
}

export async function refreshState(): Promise<PushState> {
  let next: PushState;
  if (!supported()) next = 'unsupported';
  else if (Notification.permission === 'denied') next = 'blocked';
  else if (Notification.permission !== 'granted') next = 'off';
  else next = (await current().catch(() => null)) ? 'on' : 'off';
  pushState.value = next;
  return next;
}

function bodyOf(subscription: PushSubscription): api.SubscriptionBody {
  const json = subscription.toJSON();
  return {
    endpoint: json.endpoint ?? subscription.endpoint,
    keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
    user_agent: navigator.userAgent.slice(0, 300),
  };
}

/** Was the subscription made with this server key? null when the browser does not say. */
function madeWith(subscription: PushSubscription, publicKey: string): boolean | null {
  const key = subscription.options?.applicationServerKey;
  return key ? sameKey(key, publicKey) : null;
}

async function subscribe(reg: ServiceWorkerRegistration, publicKey: string): Promise<PushSubscription> {
  let subscription = await reg.pushManager.getSubscription();
  if (subscription && madeWith(subscription, publicKey) === false) {
    // made with other keys: the push service would refuse the server's messages
    await subscription.unsubscribe().catch(() => false);
    subscription = null;
  }
  subscription ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(publicKey) });
  await api.addSubscription(bodyOf(subscription));
  await setMeta(KEY_META, publicKey);
  return subscription;
}

/**
 * Turn alerts on for this device. Call it straight from a click: the permission request
 * must be the first thing that happens, while the browser still sees the user's gesture.
 */
export async function enable(): Promise<PushState> {
  if (!supported()) return (pushState.value = 'unsupported');
  const answer = await Notification.requestPermission();
  if (answer !== 'granted') return refreshState();
  try {
    const reg = await registration();
    if (!reg) throw new Error('no service worker');
    await subscribe(reg, (await api.pushKey()).public_key);
  } finally {
    await refreshState();
  }
  return pushState.value;
}

/** Turn alerts off for this device: the server forgets it, then the browser. */
export async function disable(): Promise<PushState> {
  const subscription = await current();
  if (subscription) {
    try {
      await api.removeSubscription(subscription.endpoint);
    } finally {
      // even offline: once unsubscribed, the push service answers 410 and the server drops it
      await subscription.unsubscribe().catch(() => false);
    }
  }
  return refreshState();
}

/** Signing out: nothing about this user's customers may reach the device afterwards. */
export async function forgetDevice(): Promise<void> {
  if (!supported() || Notification.permission !== 'granted') return;
  const reg = await navigator.serviceWorker.getRegistration().catch(() => undefined);
  const subscription = await reg?.pushManager.getSubscription().catch(() => null);
  if (!subscription) return;
  await api.removeSubscription(subscription.endpoint).catch(() => undefined);
  await subscription.unsubscribe().catch(() => false);
  pushState.value = 'off';
}

/**
 * At app start: when alerts are on here and the server's key changed (docs/push.md, Keys),
 * subscribe again; otherwise tell the server about the subscription once more (idempotent),
 * in case it dropped it or another user signed in on this device.
 */
export async function syncDevice(): Promise<void> {
  if ((await refreshState()) !== 'on') return;
  const reg = await registration();
  const subscription = await reg?.pushManager.getSubscription();
  if (!reg || !subscription) return;
  const { public_key } = await api.pushKey();
  const stored = await getMeta<string>(KEY_META);
  const changed = stored ? stored !== public_key : madeWith(subscription, public_key) === false;
  if (changed) await subscription.unsubscribe().catch(() => false);
  await subscribe(reg, public_key);
  await refreshState();
}

export const sendTest = api.sendTestPush;
export const preferences = api.getPushPreferences;

/** Save preferences, with the device's time zone for the quiet hours. */
export function savePreferences(body: api.PushPreferences): Promise<api.PushPreferences> {
  const zone = deviceTimeZone();
  return api.putPushPreferences(zone ? { ...body, time_zone: zone } : body);
}

export function deviceTimeZone(): string | null {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
  } catch {
    return null;
  }
}

/** The Today prompt: only where push could work, the browser has not asked yet, and the
 * user did not say "Not now". */
export function shouldPrompt(userId: number): boolean {
  // the cheap checks first: asking the browser for the permission state is not free
  return localStorage.getItem(NOT_NOW + userId) === null && supported() && Notification.permission === 'default';
}

export function notNow(userId: number): void {
  localStorage.setItem(NOT_NOW + userId, String(Date.now()));
}
