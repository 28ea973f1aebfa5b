// Pure Web Push helpers shared by the page and the service worker: no DOM, no network.

export type PushLang = 'zh-CN' | 'en';

export type AlertPayload = {
  kind: string;
  title: string;
  body: string;
  url: string;
  id: number | null;
  lang: PushLang;
};

const TEXTS: Record<PushLang, { app: string; generic: string; open: string; visit: string }> = {
  'zh-CN': { app: 'RM助手', generic: '您有一条新提醒。', open: '打开', visit: '记录拜访' },
  en: { app: 'RM Companion', generic: 'You have a new alert.', open: 'Open', visit: 'Log a visit' },
};

export const ICON = '/icons/icon-192.png';
const CUSTOMER_CARD = /^\/customers\/(\d+)\/?$/;

/** applicationServerKey: the server sends the VAPID public key base64url, unpadded. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.trim().replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const b of view) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Did this subscription use that server key? (false when the browser does not say) */
export function sameKey(subscriptionKey: ArrayBuffer | null | undefined, serverKey: string): boolean {
  if (!subscriptionKey) return false;
  return bytesToBase64Url(subscriptionKey) === bytesToBase64Url(base64UrlToBytes(serverKey));
}

function langOf(value: unknown, title: string): PushLang {
  if (value === 'en' || value === 'zh-CN') return value;
  if (typeof value === 'string' && value.toLowerCase().startsWith('en')) return 'en';
  if (typeof value === 'string' && value) return 'zh-CN';
  // the server writes title and body in the user's language but may not say which
  if (title && !/[\u3400-\u9fff]/.test(title) && /[A-Za-z]/.test(title)) return 'en';
  return 'zh-CN';
}

/** Same-origin path only: a payload must not send the user to another site. */
export function safePath(url: unknown, origin = 'https://app.invalid'): string {
  if (typeof url !== 'string' || !url) return '/';
  try {
    const parsed = new URL(url, origin);
    if (parsed.origin !== origin) return '/';
    return `${parsed.pathname}${parsed.search}${parsed.hash}`;
  } catch {
    return '/';
  }
}

/**
 * Read a push message. Not JSON (or not an object): a generic alert in the device's
 * language that opens the inbox, so a push is never shown empty.
 */
export function parsePayload(text: string | null | undefined, deviceLang: string = 'zh-CN'): AlertPayload {
  const device: PushLang = deviceLang.toLowerCase().startsWith('en') ? 'en' : 'zh-CN';
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    return { kind: 'generic', title: TEXTS[device].app, body: TEXTS[device].generic, url: '/alerts', id: null, lang: device };
  }
  const d = data as Record<string, unknown>;
  const title = typeof d.title === 'string' && d.title.trim() ? d.title : '';
  const lang = langOf(d.lang, title);
  return {
    kind: typeof d.kind === 'string' && d.kind ? d.kind : 'generic',
    title: title || TEXTS[lang].app,
    body: typeof d.body === 'string' && d.body ? d.body : title ? '' : TEXTS[lang].generic,
    url: safePath(typeof d.url === 'string' && d.url.startsWith('/') ? d.url : '/'),
    id: typeof d.id === 'number' && Number.isFinite(d.id) ? d.id : null,
    lang,
  };
}

/** The customer of a 360-card url, or null. */
export function customerOf(url: string): number | null {
  const match = CUSTOMER_CARD.exec(url.split(/[?#]/)[0]);
  return match ? Number(match[1]) : null;
}

export type NotificationAction = { action: string; title: string };

/** What showNotification gets: one tag per alert, but one briefing that replaces yesterday's. */
export function notificationOptions(payload: AlertPayload): NotificationOptions & { actions: NotificationAction[] } {
  const texts = TEXTS[payload.lang];
  const actions: NotificationAction[] = [{ action: 'open', title: texts.open }];
  if (customerOf(payload.url) !== null) actions.push({ action: 'visit', title: texts.visit });
  return {
    body: payload.body,
    tag: payload.kind === 'briefing' ? 'briefing' : `alert-${payload.id ?? payload.kind}`,
    data: { url: payload.url, id: payload.id, kind: payload.kind },
    icon: ICON,
    badge: ICON,
    lang: payload.lang,
    actions,
  };
}

/** Where a tap on a notification (or one of its buttons) leads. */
export function clickTarget(data: unknown, action: string | undefined): string {
  const raw = data && typeof data === 'object' ? (data as { url?: unknown }).url : undefined;
  const url = typeof raw === 'string' && raw.startsWith('/') && !raw.startsWith('//') ? safePath(raw) : '/';
  if (action === 'visit') {
    const id = customerOf(url);
    if (id !== null) return `/customers/${id}/visit`;
  }
  return url;
}
