import { useState } from 'preact/hooks';
import { displayName } from '../components/CustomerRow';
import { describeError } from '../components/Moments';
import { percent, requestText } from '../components/RiskCases';
import { ReasonChips } from '../components/Chips';
import { Empty, ErrorState, Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import { priceText, productName } from '../components/Offers';
import { basisPointsOutside, bandPosition } from '../logic/offers';
import type { Approval, QuoteApproval, RiskApproval } from '../data/api';
import * as offers from '../data/offers';
import * as plans from '../data/plan';
import { dateTime, dayOf, money, t, tCode } from '../i18n';

const keyOf = (a: Approval) => `${a.kind}:${a.id}`;

/** The lead's inbox: waivers, extensions and price quotes the team's RMs asked for. Needs a connection. */
export function Approvals() {
  const [state, reload] = useLoad(() => plans.approvals(), []);
  const [decided, setDecided] = useState<Record<string, string>>({});
  return (
    <section aria-labelledby="approvals-title">
      <header class="screen-head"><h1 id="approvals-title">{t('approvals.title')}</h1></header>
      {Object.entries(decided).map(([id, text]) => <p key={id} class="ok" role="status">{text}</p>)}
      {state.status === 'loading' && <Skeleton rows={3} />}
      {state.status === 'error' && <ErrorState message={state.message === t('state.offline') ? t('state.needsOnline') : t('state.error', { detail: state.message })} onRetry={reload} />}
      {state.status === 'ready' && state.value.filter((a) => !(keyOf(a) in decided)).length === 0 && <Empty message={t('approvals.empty')} />}
      {state.status === 'ready' && (
        <ul class="plan-list" data-testid="approvals-list">
          {state.value.filter((a) => !(keyOf(a) in decided)).map((a) => (a.kind === 'quote'
            ? <QuoteCard key={keyOf(a)} item={a} onDecided={(text) => setDecided({ ...decided, [keyOf(a)]: text })} />
            : <ApprovalCard key={keyOf(a)} item={a} onDecided={(text) => setDecided({ ...decided, [keyOf(a)]: text })} />))}
        </ul>
      )}
    </section>
  );
}

function ApprovalCard({ item, onDecided }: { item: RiskApproval; onDecided: (text: string) => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = displayName(item.customer);

  async function decide(decision: 'approved' | 'refused') {
    setBusy(true);
    setError(null);
    try {
      await plans.decideRiskCase(item.id, note.trim() ? { decision, note: note.trim() } : { decision });
      onDecided(`${name}: ${t('approvals.decided', { decision: tCode('decision', decision) })}`);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="plan-card" data-testid="approval" data-kind="risk_case" data-case-id={item.id}>
      <a class="row" href={`/customers/${item.customer.id}`}>
        <span class="row-main">
          <span class="row-title">{name}</span>
          <span class="row-sub">{tCode('segment', item.customer.segment)} · {t('approvals.requestedBy', { name: item.requested_by.name, time: dateTime(item.requested_at) })}</span>
        </span>
      </a>
      <p class="objective">{requestText(item.action, item.detail)}</p>
      {item.note && <p class="note"><span class="muted">{t('approvals.rmNote')}: </span>{item.note}</p>}
      <ReasonChips reasons={item.signals} />
      <dl class="figures compact">
        <div><dt>{t('risk.probability')}</dt><dd>{percent(item.probability)}</dd></div>
        <div><dt>{t('risk.exposure')}</dt><dd>{money(item.exposure)}</dd></div>
        <div><dt>{t('risk.severity')}</dt><dd>{tCode('severity', String(item.severity))}</dd></div>
      </dl>
      <label class="stacked">{t('approvals.decisionNote')}
        <textarea name="note" rows={2} maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      {error && <p class="form-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="button" class="btn primary" disabled={busy} onClick={() => void decide('approved')} aria-label={`${t('approvals.approve')}: ${name}`}>{t('approvals.approve')}</button>
        <button type="button" class="btn danger" disabled={busy} onClick={() => void decide('refused')} aria-label={`${t('approvals.refuse')}: ${name}`}>{t('approvals.refuse')}</button>
      </div>
    </li>
  );
}

/** A price outside the RM's band: what was asked against the band, the list and the floor. */
function QuoteCard({ item, onDecided }: { item: QuoteApproval; onDecided: (text: string) => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = displayName(item.customer);
  const { detail } = item;
  const product = productName(detail.product);
  const where = bandPosition(detail.price, detail.band);
  const gap = detail.unit === 'rate' ? basisPointsOutside(detail.price, detail.band) : 0;
  const underFloor = detail.floor != null && detail.price < detail.floor - 1e-9;

  async function decide(decision: 'approve' | 'refuse') {
    setBusy(true);
    setError(null);
    try {
      await offers.decideQuote(item.id, decision, note.trim() ? { note: note.trim() } : {});
      onDecided(`${name} · ${product}: ${t('approvals.decided', { decision: tCode('decision', decision === 'approve' ? 'approved' : 'refused') })}`);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="plan-card" data-testid="approval" data-kind="quote" data-quote-id={item.id}>
      <a class="row" href={`/customers/${item.customer.id}`}>
        <span class="row-main">
          <span class="row-title">{name}</span>
          <span class="row-sub">{tCode('segment', item.customer.segment)} · {t('approvals.requestedBy', { name: item.requested_by.name, time: dateTime(item.requested_at) })}</span>
        </span>
      </a>
      <p class="objective">{t('approvals.quote', { product })}</p>
      <dl class="figures compact">
        <div><dt>{t('approvals.requested')}</dt><dd data-testid="quote-price">{priceText(detail.price, detail.unit)}</dd></div>
        <div><dt>{t('approvals.band')}</dt><dd>{t('offers.range', { min: priceText(detail.band.min, detail.unit), max: priceText(detail.band.max, detail.unit) })}</dd></div>
        <div><dt>{t('offers.list')}</dt><dd>{priceText(detail.list, detail.unit)}</dd></div>
        <div><dt>{t('offers.floor')}</dt><dd>{priceText(detail.floor, detail.unit)}</dd></div>
      </dl>
      <p class="chips left">
        {where !== 'inside' && gap > 0 && <span class={where === 'below' ? 'chip warn-chip' : 'chip'}>{t(where === 'below' ? 'approvals.belowBand' : 'approvals.aboveBand', { n: gap })}</span>}
        {underFloor && <span class="chip warn-chip">{t('approvals.belowFloor')}</span>}
        {detail.expires_at && <span class="chip">{t('approvals.expires', { date: dayOf(detail.expires_at) })}</span>}
      </p>
      {item.note && <p class="note"><span class="muted">{t('approvals.rmNote')}: </span>{item.note}</p>}
      <label class="stacked">{t('approvals.decisionNote')}
        <textarea name="note" rows={2} maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      {error && <p class="form-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="button" class="btn primary" disabled={busy} onClick={() => void decide('approve')} aria-label={`${t('approvals.approve')}: ${name} · ${product}`}>{t('approvals.approve')}</button>
        <button type="button" class="btn danger" disabled={busy} onClick={() => void decide('refuse')} aria-label={`${t('approvals.refuse')}: ${name} · ${product}`}>{t('approvals.refuse')}</button>
      </div>
    </li>
  );
}
