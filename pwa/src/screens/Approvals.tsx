import { useState } from 'preact/hooks';
import { displayName } from '../components/CustomerRow';
import { describeError } from '../components/Moments';
import { percent, requestText } from '../components/RiskCases';
import { ReasonChips } from '../components/Chips';
import { Empty, ErrorState, Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import type { Approval } from '../data/api';
import * as plans from '../data/plan';
import { dateTime, money, t, tCode } from '../i18n';

/** The lead's inbox: waivers and extensions the team's RMs asked for. Needs a connection. */
export function Approvals() {
  const [state, reload] = useLoad(() => plans.approvals(), []);
  const [decided, setDecided] = useState<Record<number, string>>({});
  return (
    <section aria-labelledby="approvals-title">
      <header class="screen-head"><h1 id="approvals-title">{t('approvals.title')}</h1></header>
      {Object.entries(decided).map(([id, text]) => <p key={id} class="ok" role="status">{text}</p>)}
      {state.status === 'loading' && <Skeleton rows={3} />}
      {state.status === 'error' && <ErrorState message={state.message === t('state.offline') ? t('state.needsOnline') : t('state.error', { detail: state.message })} onRetry={reload} />}
      {state.status === 'ready' && state.value.filter((a) => !(a.id in decided)).length === 0 && <Empty message={t('approvals.empty')} />}
      {state.status === 'ready' && (
        <ul class="plan-list" data-testid="approvals-list">
          {state.value.filter((a) => !(a.id in decided)).map((a) => (
            <ApprovalCard key={a.id} item={a} onDecided={(text) => setDecided({ ...decided, [a.id]: text })} />
          ))}
        </ul>
      )}
    </section>
  );
}

function ApprovalCard({ item, onDecided }: { item: Approval; onDecided: (text: string) => void }) {
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
    <li class="plan-card" data-testid="approval" data-case-id={item.id}>
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
