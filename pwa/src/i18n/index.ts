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

// Intl formatters are costly to build (the first one in a page loads the locale's ICU data;
// each later one still resolves its locale and patterns) and cheap to reuse: keep one per
// locale and set of options, for as long as the page lives.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.Collator>();

function reuse<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.Collator>(kind: string, options: object, make: () => T): T {
  const key = `${kind}|${locale.value}|${JSON.stringify(options)}`;
  let formatter = formatters.get(key) as T | undefined;
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter;
}

/** The NumberFormat of the current locale with these options, built once. */
export function numberFormat(options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return reuse('n', options, () => new Intl.NumberFormat(locale.value, options));
}

/** The DateTimeFormat of the current locale with these options, built once. */
export function dateFormat(options: Intl.DateTimeFormatOptions = {}): Intl.DateTimeFormat {
  return reuse('d', options, () => new Intl.DateTimeFormat(locale.value, options));
}

/** The Collator of the current locale, built once. */
export function collator(): Intl.Collator {
  return reuse('c', {}, () => new Intl.Collator(locale.value));
}

const MONEY: Intl.NumberFormatOptions = { style: 'currency', currency: CURRENCY, notation: 'standard', maximumFractionDigits: 0 };
const MONEY_COMPACT: Intl.NumberFormatOptions = { style: 'currency', currency: CURRENCY, notation: 'compact', maximumFractionDigits: 1 };
const RATE: Intl.NumberFormatOptions = { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 };
const DAY: Intl.DateTimeFormatOptions = { dateStyle: 'medium' };
const DAY_TIME: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
const WEEKDAY: Intl.DateTimeFormatOptions = { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' };

/**
 * Build the formatters Today draws with, ahead of time. The first Intl object of a page
 * loads the locale's data (tens of milliseconds on a phone): better done before the first
 * paint, or while the plan is on its way, than inside the task that draws the plan.
 */
export function prepareFormats(): void {
  for (const options of [WEEKDAY, DAY, DAY_TIME]) dateFormat(options).format(0);
}

export function money(value: number | null | undefined, compact = false): string {
  if (value == null) return '—';
  // compact from ten thousand up (27.2万, 13.3K); a smaller amount reads better whole
  return numberFormat(compact && Math.abs(value) >= 10_000 ? MONEY_COMPACT : MONEY).format(value);
}

/** A yearly rate (a fraction: 0.0435) as a percentage with two decimals: "4.35%". */
export function rate(value: number | null | undefined): string {
  if (value == null) return '—';
  return numberFormat(RATE).format(value);
}

export function num(value: number | null | undefined): string {
  return value == null ? '—' : numberFormat().format(value);
}

export function day(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value.length === 10 ? `${value}T00:00:00` : value);
  return dateFormat(DAY).format(d);
}

/** Server timestamps are naive UTC; show them in the device's time zone. */
/** A server timestamp as a Date: with its zone ('...Z'), or naive UTC from older answers. */
export function serverTime(value: string): Date {
  return new Date(serverMillis(value) ?? Number.NaN);
}

export function dateTime(value: string | number | null | undefined): string {
  if (value == null) return '—';
  const d = typeof value === 'number' ? new Date(value) : serverTime(value);
  return dateFormat(DAY_TIME).format(d);
}

/** The date part of a server timestamp (naive UTC), in the device's time zone. */
export function dayOf(value: string | null | undefined): string {
  if (!value) return '—';
  return dateFormat(DAY).format(serverTime(value));
}

/** A plan day with its weekday: "11月30日周一", "Mon 30 Nov". */
export function weekday(value: string): string {
  return dateFormat(WEEKDAY).format(new Date(`${value}T00:00:00Z`));
}
