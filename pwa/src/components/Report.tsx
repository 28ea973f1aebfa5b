// Pieces the report screens share: the month picker and note, figure tiles, HTML bars,
// tables that scroll inside their card, CSV links and the error a report can end in.
import type { ComponentChild, ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { dateTime, day, t, type MessageKey } from '../i18n';
import type { ReportHeader } from '../data/reports';
import { ErrorState } from './States';
import type { LoadState } from './useLoad';
import {
  againstMedian, barSpan, figureName, formatFigure, isGoodSide, lastMonths, monthName, sortRows, versusMedian,
  type SortDir,
} from '../logic/reports';

/** The last twelve months, the shown one selected; choosing one asks for that month. */
export function MonthPicker({ value, latest, onChange }: { value: string; latest: string; onChange: (month: string) => void }) {
  const months = lastMonths(latest);
  if (!months.includes(value)) months.push(value); // a month from a link, older than a year
  return (
    <label class="month-picker">
      <span>{t('reports.month')}</span>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)} data-testid="month-picker">
        {months.map((m) => <option key={m} value={m}>{monthName(m)}</option>)}
      </select>
    </label>
  );
}

/** How fresh the figures are: month to date, a past month's snapshot, or recomputed now. */
export function PeriodNote({ report }: { report: ReportHeader }) {
  if (report.snapshot) {
    return <p class="as-of" data-testid="snapshot-note">{t('reports.snapshot', { time: dateTime(report.snapshot.taken_at) })}</p>;
  }
  if (report.closed) return <p class="as-of" data-testid="period-note">{t('reports.recomputed', { time: dateTime(report.generated_at) })}</p>;
  return <p class="as-of" data-testid="period-note">{t('reports.toDate', { date: day(report.to), time: dateTime(report.generated_at) })}</p>;
}

/** A plain link the browser downloads (the server names the file); not printed. */
export function CsvLink({ href, table, label }: { href: string; table: string; label: string }) {
  return (
    <p class="csv">
      <a class="csv-link" href={href} download data-testid={`csv-${table}`}>{t('reports.csv', { table: label })}</a>
    </p>
  );
}

export type Tile = {
  name: string;
  value: number | null | undefined;
  median?: number | null;
  detail?: string;
  /** 'perRm': a team total beside the median RM (no above/below: they do not compare) */
  medianLabel?: 'team' | 'perRm';
};

/** Headline figures, each with the team's median beside it and which side of it they are. */
export function FigureTiles({ tiles }: { tiles: Tile[] }) {
  return (
    <dl class="tiles">
      {tiles.map((tile) => {
        // a team's total against the median RM says nothing: the median is there to read, not to beat
        const versus = tile.median === undefined || tile.medianLabel === 'perRm' ? null : versusMedian(tile.value, tile.median);
        const good = isGoodSide(tile.name, versus);
        const text = formatFigure(tile.name, tile.value);
        return (
          <div key={tile.name} class="tile" data-testid="tile" data-figure={tile.name}>
            <dt>{figureName(tile.name)}</dt>
            <dd class={text.length > 12 ? 'tile-value longer' : text.length > 9 ? 'tile-value long' : 'tile-value'}>{text}</dd>
            {tile.detail && <dd class="tile-detail">{tile.detail}</dd>}
            {tile.median !== undefined && (
              <dd class="tile-median" title={againstMedian(tile.name, tile.value, tile.median)}>
                {versus && versus !== 'level' && <span class={good === false ? 'versus bad' : 'versus good'} aria-hidden="true">{versus === 'above' ? '▲' : '▼'} </span>}
                {t(tile.medianLabel === 'perRm' ? 'reports.medianPerRm' : 'reports.teamMedian', { value: formatFigure(tile.name, tile.median) })}
                {versus && <span class="visually-hidden"> ({t(`reports.versus.${versus}` as MessageKey)})</span>}
              </dd>
            )}
          </div>
        );
      })}
    </dl>
  );
}

export type Bar = { key: string; label: string; value: number | null; text: string; median?: number | null; tone?: 'bad' };

/**
 * Horizontal bars drawn in HTML: for categories with long names (products, stages) a phone
 * cannot fit under a chart axis. Negative values grow left of zero (a loss).
 */
export function BarList({ bars, label, testId, medianLabel }: { bars: Bar[]; label: string; testId?: string; medianLabel?: string }) {
  const values = bars.flatMap((b) => [b.value ?? 0, b.median ?? 0]);
  const low = Math.min(0, ...values);
  const high = Math.max(0, ...values);
  return (
    <ul class="bar-list" aria-label={label} data-testid={testId}>
      {bars.map((bar) => {
        const span = barSpan(bar.value, low, high);
        // a median of zero sits on the axis: no marker to read there
        const median = bar.median == null || bar.median === 0 ? null : barSpan(bar.median, low, high);
        const mark = median ? (bar.median! < 0 ? median.left : median.left + median.width) : null;
        return (
          <li key={bar.key} class="bar-item" data-key={bar.key}>
            <span class="bar-label">{bar.label}</span>
            <span class={bar.value != null && bar.value < 0 ? 'bar-value neg' : 'bar-value'}>{bar.text}</span>
            <span class="bar-track" aria-hidden="true">
              <span class={`bar-fill ${bar.tone ?? ''}`} style={{ left: `${span.left}%`, width: bar.value ? `max(3px, ${span.width}%)` : 0 }} />
              {mark != null && <span class="bar-median" style={{ left: `${mark}%` }} title={medianLabel} />}
            </span>
          </li>
        );
      })}
    </ul>
  );
}

/** A rate and its 95% interval on a 0–100% track: the band is the interval, the dot the rate. */
export function IntervalBar({ rate, low, high }: { rate: number | null; low: number | null; high: number | null }) {
  if (rate == null) return null;
  const lo = (low ?? rate) * 100;
  const hi = (high ?? rate) * 100;
  return (
    <span class="interval-track" aria-hidden="true">
      <span class="interval-band" style={{ left: `${lo}%`, width: `${Math.max(0.5, hi - lo)}%` }} />
      <span class="interval-dot" style={{ left: `${rate * 100}%` }} />
    </span>
  );
}

export type Column<T> = {
  key: string;
  label: string;
  render: (row: T) => ComponentChild;
  numeric?: boolean;
  sortable?: boolean;
};

type TableProps<T> = {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string | number;
  /** extra rows under the body (the median, totals), rendered by the same columns */
  foot?: { key: string; row: T; className?: string }[];
  /** the columns of those rows, when they differ (no link in their first cell) */
  footColumns?: Column<T>[];
  /** tapping a row opens this (the first cell also links there, for the keyboard) */
  rowHref?: (row: T) => string;
  onOpen?: (href: string) => void;
  initialSort?: { key: string; dir: SortDir };
  testId?: string;
  rowTestId?: string;
};

/** A table that scrolls sideways inside its card on a phone; sortable columns have buttons. */
export function DataTable<T extends object>({ caption, columns, rows, rowKey, foot = [], footColumns = columns, rowHref, onOpen, initialSort, testId, rowTestId }: TableProps<T>) {
  const [sort, setSort] = useState<{ key: string; dir: SortDir } | null>(initialSort ?? null);
  const shown = sort ? sortRows(rows, sort.key, sort.dir) : rows;
  const toggle = (key: string) => setSort(sort?.key === key ? { key, dir: sort.dir === 'descending' ? 'ascending' : 'descending' } : { key, dir: 'descending' });
  const cells = (row: T, cols = columns) => cols.map((c, i) => {
    const content = c.render(row);
    if (i === 0) return <th key={c.key} scope="row">{content}</th>;
    return <td key={c.key} class={c.numeric ? 'num' : undefined}>{content}</td>;
  });
  return (
    <div class="table-scroll" role="region" aria-label={t('reports.tableRegion', { caption })} tabIndex={0}>
      <table class="report-table" data-testid={testId}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" class={c.numeric ? 'num' : undefined} aria-sort={sort?.key === c.key ? sort.dir : undefined}>
                {c.sortable ? (
                  <button type="button" class="sort" onClick={() => toggle(c.key)}>
                    {c.label}<span aria-hidden="true">{sort?.key === c.key ? (sort.dir === 'descending' ? ' ▼' : ' ▲') : ''}</span>
                  </button>
                ) : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => {
            const href = rowHref?.(row);
            return (
              <tr key={rowKey(row)} data-testid={rowTestId} class={href ? 'link-row' : undefined}
                onClick={href && onOpen ? (e) => { if (!(e.target as HTMLElement).closest('a')) onOpen(href); } : undefined}>
                {cells(row)}
              </tr>
            );
          })}
        </tbody>
        {foot.length > 0 && (
          <tfoot>
            {foot.map((f) => <tr key={f.key} class={f.className}>{cells(f.row, footColumns)}</tr>)}
          </tfoot>
        )}
      </table>
    </div>
  );
}

/** A titled card of the report; its CSV link at the bottom. */
export function Panel({ id, title, children, csv, testId }: { id: string; title: string; children: ComponentChildren; csv?: { href: string; table: string }; testId?: string }) {
  return (
    <section class="panel report-panel" aria-labelledby={`${id}-title`} data-testid={testId}>
      <h2 id={`${id}-title`}>{title}</h2>
      {children}
      {csv && <CsvLink href={csv.href} table={csv.table} label={title} />}
    </section>
  );
}

/** What went wrong, in words for this report: not for your role, not your team, offline. */
export function ReportError({ state, forbidden, onRetry }: { state: Extract<LoadState<unknown>, { status: 'error' }>; forbidden: string; onRetry: () => void }) {
  if (state.code === 403) return <ErrorState message={forbidden} />;
  if (state.code === 404) return <ErrorState message={t('reports.notFound')} />;
  if (state.message === t('state.offline')) return <ErrorState message={t('reports.offline')} onRetry={onRetry} />;
  return <ErrorState message={t('state.error', { detail: state.message })} onRetry={onRetry} />;
}
