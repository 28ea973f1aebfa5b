// A uPlot chart sized to its card: lines over time or grouped bars per category. uPlot draws on
// a canvas, so the figure carries a sentence for screen readers and the numbers as a table
// (hidden on screen, printed under the chart).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { locale } from '../i18n';
import { chartSummary, valueRange, type Series } from '../logic/reports';

export type { Series };

type Props = {
  title: string;
  /** axis labels, one per point ("11月", "9/7", "电话") */
  ticks: string[];
  /** the same points in full, for the table and the sentence ("2026年11月"); defaults to ticks */
  labels?: string[];
  series: Series[];
  /** a value in the table, the sentence and the readout */
  format: (value: number | null) => string;
  /** a value on the axis, short ("¥1.2M"); defaults to format */
  axis?: (value: number) => string;
  /** counts: no ticks between whole numbers */
  integer?: boolean;
  height?: number;
  /** false: the card's heading already says it (the caption stays for screen readers) */
  caption?: boolean;
  testId?: string;
};

const FONT = "12px system-ui, -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
const WHOLE = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8];
const PALETTE = ['--chart-1', '--chart-2', '--chart-3', '--chart-4', '--chart-5', '--chart-6'];

let measurer: CanvasRenderingContext2D | null = null;

/** The width of the widest label in the axis font. */
function textWidth(values: readonly (string | null)[]): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return 8 * Math.max(0, ...values.map((v) => (v ?? '').length));
  measurer.font = FONT;
  return Math.ceil(Math.max(0, ...values.map((v) => measurer!.measureText(v ?? '').width)));
}

/** Room for the value axis: its widest value, so long amounts are not cut at the edge. */
function axisWidth(values: string[] | null): number {
  return values && values.length ? textWidth(values) + 14 : 40;
}

export function seriesColor(series: Series, index: number): string {
  return series.color ?? PALETTE[index % PALETTE.length];
}

export function Chart({ title, ticks, labels = ticks, series, format, axis = (v) => format(v), integer = false, height = 180, caption = true, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const [readout, setReadout] = useState<string | null>(null);
  const key = JSON.stringify([ticks, labels, series, locale.value, height]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(el);
    const resolve = (name: string) => (name.startsWith('--') ? css.getPropertyValue(name).trim() || '#0b5cad' : name);
    const muted = resolve('--muted');
    const grid = resolve('--line');
    const bars = series.filter((s) => s.bars);
    const slot = 0.8 / Math.max(1, bars.length);
    const values = series.flatMap((s) => s.values);

    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      // room on the right for half the last label, centred on the last point of a line
      padding: [8, bars.length ? 8 : Math.ceil(textWidth(ticks.slice(-1)) / 2) + 4, 0, 0],
      scales: {
        x: { time: false, range: () => (bars.length ? [-0.5, ticks.length - 0.5] : [0, Math.max(1, ticks.length - 1)]) },
        y: { range: () => valueRange(values) },
      },
      axes: [
        {
          // over time, labels no closer than the widest ("Sep 21" needs more room than "9/21");
          // categories (bars) each keep their label
          stroke: muted, font: FONT, space: bars.length ? 8 : textWidth(ticks) + 12, gap: 4, size: 30,
          grid: { show: false }, ticks: { stroke: grid, size: 4 },
          incrs: bars.length ? [1] : [1, 2, 3, 4, 6, 12, 24],
          values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? ticks[v] ?? '' : '')),
        },
        {
          stroke: muted, font: FONT, gap: 6,
          grid: { stroke: grid, width: 1 }, ticks: { show: false },
          incrs: integer ? WHOLE : undefined,
          size: (_u, shown) => axisWidth(shown),
          values: (_u, splits) => splits.map((v) => axis(v)),
        },
      ],
      series: [
        {},
        ...series.map((s, k): uPlot.Series => {
          const colour = resolve(seriesColor(s, k));
          if (!s.bars) {
            return {
              label: s.label, stroke: colour, width: 2.5, spanGaps: true, dash: s.dashed ? [6, 4] : undefined,
              points: { show: ticks.length <= 16, size: 5, fill: colour },
            };
          }
          const at = bars.indexOf(s);
          return {
            label: s.label, stroke: colour, fill: colour, width: 0, points: { show: false },
            paths: uPlot.paths.bars!({
              size: [1, 48],
              disp: {
                x0: { unit: 1, values: (u) => (u.data[0] as number[]).map((x) => x - 0.4 + at * slot) },
                size: { unit: 1, values: (u) => (u.data[0] as number[]).map(() => slot * 0.9) },
              },
            }),
          };
        }),
      ],
      hooks: {
        setCursor: [(u) => {
          const i = u.cursor.idx;
          setReadout(i == null ? null : `${labels[i]}: ${series.map((s) => `${s.label} ${format(s.values[i] ?? null)}`).join(' · ')}`);
        }],
      },
    };
    const data: uPlot.AlignedData = [ticks.map((_, i) => i), ...series.map((s) => s.values)];
    const plot = new uPlot(opts, data, el);
    let width = el.clientWidth;
    const observer = new ResizeObserver(() => {
      if (el.clientWidth === width || el.clientWidth === 0) return;
      width = el.clientWidth;
      plot.setSize({ width: Math.max(200, width), height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [key]);

  const summary = chartSummary(title, labels, series, format);
  return (
    <figure class="report-chart" data-testid={testId}>
      <figcaption class={caption ? 'chart-title' : 'visually-hidden'}>{title}</figcaption>
      <div class="chart-canvas" ref={box} role="img" aria-label={summary} />
      <ul class="chart-legend" aria-hidden="true">
        {series.map((s, k) => (
          <li key={s.label}><span class={`swatch ${s.dashed ? 'dashed' : s.bars ? 'bar' : ''}`} style={{ color: `var(${seriesColor(s, k)})` }} />{s.label}</li>
        ))}
      </ul>
      <p class="chart-readout" aria-hidden="true">{readout ?? '\u00a0'}</p>
      <div class="chart-data visually-hidden">
        <table class="chart-table">
          <caption>{title}</caption>
          <thead>
            <tr><td />{series.map((s) => <th key={s.label} scope="col">{s.label}</th>)}</tr>
          </thead>
          <tbody>
            {labels.map((label, i) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                {series.map((s) => <td key={s.label}>{format(s.values[i] ?? null)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
