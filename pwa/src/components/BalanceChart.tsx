import { money, t } from '../i18n';

type Props = { months: string[]; deposits: number[]; credit: number[] };
const W = 320;
const H = 120;
const PAD = 6;

function path(values: number[], max: number): string {
  const step = (W - 2 * PAD) / Math.max(1, values.length - 1);
  return values
    .map((v, i) => `${i ? 'L' : 'M'}${(PAD + i * step).toFixed(1)},${(H - PAD - (v / max) * (H - 2 * PAD)).toFixed(1)}`)
    .join('');
}

/** Two lines, deposits and credit, with a sentence for screen readers. */
export function BalanceChart({ months, deposits, credit }: Props) {
  const max = Math.max(1, ...deposits, ...credit);
  const last = months.length - 1;
  const summary = t('card.chartSummary', {
    from: money(deposits[0], true), to: money(deposits[last], true),
    cfrom: money(credit[0], true), cto: money(credit[last], true),
  });
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line x1={PAD} x2={W - PAD} y1={H - PAD} y2={H - PAD} class="axis" />
        <path d={path(deposits, max)} class="line deposits" />
        <path d={path(credit, max)} class="line credit" />
      </svg>
      <figcaption>
        <span class="legend deposits">{t('card.deposits')}</span>
        <span class="legend credit">{t('card.credit')}</span>
        <span class="range">{months[0]} – {months[last]}</span>
      </figcaption>
    </figure>
  );
}
