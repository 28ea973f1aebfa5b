// Pure helpers for the report screens: formatting figures, months, chart series and tables.
// No DOM, no network, so unit tests can call them.
import { collator, dateFormat, locale, money, num, numberFormat, t, tCode } from '../i18n';

const PCT: Intl.NumberFormatOptions = { style: 'percent', maximumFractionDigits: 1 };
const COMPACT: Intl.NumberFormatOptions = { notation: 'compact', maximumFractionDigits: 1 };
const MONTH_NAME: Intl.DateTimeFormatOptions = { year: 'numeric', month: 'long', timeZone: 'UTC' };
const MONTH_TICK: Intl.DateTimeFormatOptions = { month: 'short', timeZone: 'UTC' };
const WEEK_TICK: Intl.DateTimeFormatOptions = { month: 'numeric', day: 'numeric', timeZone: 'UTC' };
const WEEK_TICK_EN: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', timeZone: 'UTC' };

// --- figures

export type FigureKind = 'count' | 'money' | 'rate' | 'index';

const MONEY = new Set(['sales_amount', 'sold_amount', 'exposure', 'revenue', 'cost', 'margin']);
/** Figures where fewer is better: above the median is the bad side. */
const FEWER_IS_BETTER = new Set(['overdue_entries', 'moments_overdue', 'moments_late']);

export function figureKind(name: string): FigureKind {
  if (name.endsWith('_rate') || name === 'uptake') return 'rate';
  if (MONEY.has(name)) return 'money';
  if (name === 'satisfaction_index') return 'index';
  return 'count';
}

/** A share 0..1 as a percentage, one decimal at most: "75.9%". */
export function pct(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '—';
  return numberFormat(PCT).format(value);
}

/** A figure as the reader expects it: counts, CNY, percentages, an index out of 100; "—" for none. */
export function formatFigure(name: string, value: number | null | undefined, compact = false): string {
  if (value == null || !Number.isFinite(value)) return '—';
  switch (figureKind(name)) {
    case 'rate': return pct(value);
    case 'money': return money(value, compact);
    case 'index': return num(Math.round(value * 10) / 10);
    default: return compact ? compactNumber(value) : num(Math.round(value * 10) / 10); // a median may be x.5
  }
}

/** An amount on a chart axis: "¥1.2M", "¥120万"; a bare 0 at the baseline. */
export function axisMoney(value: number): string {
  return value === 0 ? '0' : money(value, true);
}

export function compactNumber(value: number): string {
  return numberFormat(COMPACT).format(value);
}

/** The human name of a figure; an unknown one keeps its code rather than showing nothing. */
export function figureName(name: string): string {
  return tCode('figure', name);
}

export type Versus = 'above' | 'below' | 'level';

/** Where a value stands against the team's median (null when either is missing). */
export function versusMedian(value: number | null | undefined, median: number | null | undefined): Versus | null {
  if (value == null || median == null) return null;
  const gap = value - median;
  if (Math.abs(gap) < 1e-9 * Math.max(1, Math.abs(median))) return 'level';
  return gap > 0 ? 'above' : 'below';
}

/** Whether being on that side of the median is good news (colour only; the words say the side). */
export function isGoodSide(name: string, versus: Versus | null): boolean | null {
  if (versus === null || versus === 'level') return null;
  return (versus === 'above') !== FEWER_IS_BETTER.has(name);
}

/** "29 · team median 25": a figure against the team's median, in words. */
export function againstMedian(name: string, value: number | null | undefined, median: number | null | undefined): string {
  return t('reports.againstMedian', { value: formatFigure(name, value), median: formatFigure(name, median) });
}

// --- months

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(text: unknown): text is string {
  return typeof text === 'string' && MONTH.test(text);
}

/** The month of a date, 'YYYY-MM'. */
export function monthOf(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}`;
}

/** The month n months before 'YYYY-MM' (n may be negative). */
export function shiftMonth(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const index = y * 12 + (m - 1) - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** The months a picker offers: `count` months ending with `latest`, newest first. */
export function lastMonths(latest: string, count = 12): string[] {
  return Array.from({ length: count }, (_, k) => shiftMonth(latest, k));
}

/**
 * The newest month a report can show: the server's running month when known (the bank's
 * clock, not the device's); else the later of the month shown and the device's month.
 */
export function latestMonth(running: string | null, shown: string | null, today: Date): string {
  if (running) return running;
  const device = monthOf(today);
  return shown && shown > device ? shown : device;
}

function monthDate(month: string): Date {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, 1));
}

/** "2026年11月", "November 2026". */
export function monthName(month: string): string {
  return dateFormat(MONTH_NAME).format(monthDate(month));
}

/** A month on a chart axis: "11月", "Nov". */
export function monthTick(month: string): string {
  return dateFormat(MONTH_TICK).format(monthDate(month));
}

/** A week (its Monday) on a chart axis: "9/7", "Sep 7". */
export function weekTick(monday: string): string {
  return dateFormat(locale.value === 'en' ? WEEK_TICK_EN : WEEK_TICK).format(new Date(`${monday}T00:00:00Z`));
}

/** Axis labels for months (the year is in the picker and in the table under the chart). */
export function monthTicks(months: string[]): string[] {
  return months.map((m) => monthTick(m));
}

// --- charts

export type Series = { label: string; values: (number | null)[]; color?: string; dashed?: boolean; bars?: boolean };

/** One column of a table of rows as chart values: numbers, and null for a missing one. */
export function column<T extends object>(rows: T[], key: keyof T & string): (number | null)[] {
  return rows.map((row) => {
    const value = (row as Record<string, unknown>)[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  });
}

function extremes(values: (number | null)[]): { max: number; at: number } | null {
  let best: { max: number; at: number } | null = null;
  values.forEach((v, i) => {
    if (v != null && (best === null || v > best.max)) best = { max: v, at: i };
  });
  return best;
}

/**
 * The sentence a screen reader hears for a chart: each value when there are few, else
 * where each series starts, ends and peaks.
 */
export function chartSummary(title: string, labels: string[], series: Series[], format: (v: number | null) => string): string {
  const parts = series.map((s) => {
    if (labels.length <= 6) {
      return t('chart.values', { name: s.label, values: labels.map((l, i) => `${l} ${format(s.values[i] ?? null)}`).join(', ') });
    }
    const top = extremes(s.values);
    return t('chart.trend', {
      name: s.label,
      from: format(s.values[0] ?? null),
      to: format(s.values[s.values.length - 1] ?? null),
      max: top ? format(top.max) : '—',
      at: top ? labels[top.at] : '—',
    });
  });
  const span = labels.length > 1 ? `${labels[0]} – ${labels[labels.length - 1]}` : labels[0] ?? '';
  return `${title}${span ? ` (${span})` : ''}: ${parts.join('; ')}.`;
}

/** Bounds of a chart's value axis: from zero (or the lowest value below it), never flat. */
export function valueRange(values: (number | null)[]): [number, number] {
  const present = values.filter((v): v is number => v != null && Number.isFinite(v));
  const low = Math.min(0, ...present);
  const high = Math.max(0, ...present);
  if (high === low) return [low, low + 1];
  return [low < 0 ? low * 1.1 : 0, high > 0 ? high * 1.1 : 0];
}

// --- tables

export type SortDir = 'ascending' | 'descending';

/** Rows sorted by a column, numbers by value and text by the reader's collation; missing values last. */
export function sortRows<T extends object>(rows: T[], key: string, dir: SortDir): T[] {
  const compare = collator();
  const sign = dir === 'ascending' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    if (x == null || y == null) return x == null ? (y == null ? 0 : 1) : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * compare.compare(String(x), String(y));
  });
}

/** Bar geometry in percent of the track, for values that may be negative (a margin). */
export function barSpan(value: number | null, low: number, high: number): { left: number; width: number } {
  const min = Math.min(0, low);
  const max = Math.max(0, high);
  const range = max - min || 1;
  const zero = ((0 - min) / range) * 100;
  if (value == null) return { left: zero, width: 0 };
  const end = ((value - min) / range) * 100;
  return { left: Math.min(zero, end), width: Math.abs(end - zero) };
}

// --- experiments and models

/** A rate with its 95% interval: "12.5% [8.1%–18.0%]"; "—" when nothing was measured. */
export function intervalText(rate: number | null, low: number | null, high: number | null): string {
  if (rate == null) return '—';
  if (low == null || high == null) return pct(rate);
  return t('reports.interval', { rate: pct(rate), low: pct(low), high: pct(high) });
}

/** Rows grouped by a key, in the order they come. */
export function groupBy<T>(rows: T[], key: (row: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    groups.set(k, [...(groups.get(k) ?? []), row]);
  }
  return [...groups.entries()];
}

type ModelLike = { model: string; version: string; trained_at: string; auc: number | null };

/** The newest version of each model (the server lists each model's versions oldest first). */
export function latestModels<T extends ModelLike>(rows: T[]): T[] {
  return groupBy(rows, (r) => r.model).map(([, versions]) => versions.reduce((a, b) => (b.trained_at >= a.trained_at ? b : a)));
}

/**
 * AUC over time for the models trained more than once: the training days on the x axis,
 * a series per model (null on the days it was not trained).
 */
export function modelTrends<T extends ModelLike>(rows: T[]): { days: string[]; models: { model: string; values: (number | null)[] }[] } {
  const repeated = groupBy(rows, (r) => r.model).filter(([, versions]) => new Set(versions.map((v) => v.version)).size >= 2);
  const days = [...new Set(repeated.flatMap(([, versions]) => versions.map((v) => v.trained_at.slice(0, 10))))].sort();
  const models = repeated.map(([model, versions]) => ({
    model,
    values: days.map((d) => {
      const that = versions.filter((v) => v.trained_at.slice(0, 10) === d);
      return that.length ? that[that.length - 1].auc : null;
    }),
  }));
  return { days, models };
}

/** A model's name in words: "Propensity: Business card", "Early-warning risk (trained)". */
export function modelName(model: string, productName: (code: string) => string | undefined): string {
  const [family, code] = model.split(':');
  if (family === 'propensity' && code) return t('model.propensity', { product: productName(code) ?? code });
  const [base, variant] = model.split('.');
  const name = tCode('model', base);
  return variant ? t('reports.modelVariant', { name, variant: tCode('modelVariant', variant) }) : name;
}
