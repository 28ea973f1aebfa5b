// Messages, the current locale, and Intl formatting of money, numbers and dates.
import { signal } from '@preact/signals';
import { en } from './en';
import { zhCN } from './zh-CN';
import { serverMillis } from '../data/time';

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
export type Locale = 'zh-CN' | 'en';

export const LOCALES: Record<Locale, { label: string; messages: Messages }> = {
  'zh-CN': { label: '简体中文', messages: zhCN },
  en: { label: 'English', messages: en },
};

const STORAGE_KEY = 'rm.locale';
export const CURRENCY = 'CNY';

export function detectLocale(stored: string | null, languages: readonly string[]): Locale {
  if (stored === 'zh-CN' || stored === 'en') return stored;
  for (const lang of languages) {
    if (lang.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (lang.toLowerCase().startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

export const locale = signal<Locale>(
  typeof navigator === 'undefined'
    ? 'zh-CN'
    : detectLocale(localStorage.getItem(STORAGE_KEY), navigator.languages ?? [navigator.language]),
);

export function setLocale(next: Locale): void {
  locale.value = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = LOCALES[locale.value].messages[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

/** Translate a code from a family (segment.large, channel.mobile...), falling back to the code. */
export function tCode(family: string, code: string | null | undefined): string {
  if (!code) return '';
  const key = `${family}.${code}` as MessageKey;
  return key in en ? t(key) : code;
}

export function money(value: number | null | undefined, compact = false): string {
  if (value == null) return '—';
  return new Intl.NumberFormat(locale.value, {
    style: 'currency',
    currency: CURRENCY,
    notation: compact ? 'compact' : 'standard',
    maximumFractionDigits: compact ? 1 : 0,
  }).format(value);
}

/** A yearly rate (a fraction: 0.0435) as a percentage with two decimals: "4.35%". */
export function rate(value: number | null | undefined): string {
  if (value == null) return '—';
  return new Intl.NumberFormat(locale.value, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

export function num(value: number | null | undefined): string {
  return value == null ? '—' : new Intl.NumberFormat(locale.value).format(value);
}

export function day(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }).format(d);
}

/** Server timestamps are naive UTC; show them in the device's time zone. */
/** A server timestamp as a Date: with its zone ('...Z'), or naive UTC from older answers. */
export function serverTime(value: string): Date {
  return new Date(serverMillis(value) ?? Number.NaN);
}

export function dateTime(value: string | number | null | undefined): string {
  if (value == null) return '—';
  const d = typeof value === 'number' ? new Date(value) : serverTime(value);
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** The date part of a server timestamp (naive UTC), in the device's time zone. */
export function dayOf(value: string | null | undefined): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium' }).format(serverTime(value));
}

/** A plan day with its weekday: "11月30日周一", "Mon 30 Nov". */
export function weekday(value: string): string {
  return new Intl.DateTimeFormat(locale.value, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${value}T00:00:00Z`));
}
