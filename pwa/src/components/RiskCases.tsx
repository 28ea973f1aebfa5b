import { useState } from 'preact/hooks';
import { ApiError, type RiskCase, type RiskRequest } from '../data/api';
import * as plans from '../data/plan';
import { user } from '../data/session';
import { day, money, t, tCode } from '../i18n';
import { describeError } from './Moments';
import { ReasonChips } from './Chips';
import { useLoad } from './useLoad';

export const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** The customer's risk cases: from the card when it has them, else asked for (online). */
export function RiskCases({ customerId, cases, onChanged }: { customerId: number; cases: RiskCase[] | undefined; onChanged: () => void }) {
  const [loaded, reload] = useLoad(() => (cases ? Promise.resolve(cases) : plans.riskCasesOf(customerId)), [customerId, cases]);
  return (
    <section aria-labelledby="risk-title" class="panel" data-testid="risk-cases">
      <h2 id="risk-title">{t('risk.title')}</h2>
      {loaded.status === 'loading' && <p class="muted">{t('state.loading')}</p>}
      {loaded.status === 'error' && <p class="muted">{loaded.message === t('state.offline') ? t('state.needsOnline') : loaded.message}</p>}
      {loaded.status === 'ready' && (loaded.value.length === 0 ? <p class="muted">{t('risk.empty')}</p> : (
        <ul class="plain">
          {loaded.value.map((c) => <RiskCaseRow key={c.id} item={c} onChanged={() => { reload(); onChanged(); }} />)}
        </ul>
      ))}
    </section>
  );
}

/** What was asked: "Penalty waiver 50%", "Term extension 90 days · collateral re-valued at ¥…". */
export function requestText(action: string, detail: Record<string, unknown> | null): string {
  const parts = [tCode('action', action)];
  if (typeof detail?.waiver_share === 'number') parts[0] += ` ${percent(detail.waiver_share)}`;
  if (typeof detail?.extension_days === 'number') parts[0] += ` ${t('approvals.days', { n: detail.extension_days })}`;
  if (detail?.revaluation != null) parts.push(t('approvals.revaluation', { amount: money(Number(detail.revaluation)) }));
  return parts.join(' · ');
}

function RiskCaseRow({ item, onChanged }: { item: RiskCase; onChanged: () => void }) {
  const [asking, setAsking] = useState(false);
  const [sent, setSent] = useState(false);
  const canRequest = item.state === 'open' && user.value?.role === 'rm';
  return (
    <li class="risk-case" data-testid="risk-case" data-state={item.state}>
      <span class="line-item">
        <strong>{t('risk.opened', { date: day(item.opened_on) })}</strong>
        <span class="chips">
          <span class={`chip sev-${item.severity}`}>{tCode('severity', String(item.severity))}</span>
          <span class="chip">{tCode('riskState', item.state)}</span>
          <span class="chip">{tCode('response', item.tier_response)}</span>
        </span>
      </span>
      <ReasonChips reasons={item.signals} />
      <dl class="figures compact">
        <div><dt>{t('risk.probability')}</dt><dd>{percent(item.probability)}</dd></div>
        <div><dt>{t('risk.exposure')}</dt><dd>{money(item.exposure)}</dd></div>
        <div><dt>{t('risk.expectedLoss')}</dt><dd>{money(item.expected_loss)}</dd></div>
      </dl>
      {item.requested_action && (
        <p class="row-sub">{t('risk.requested', { action: requestText(item.requested_action, item.action_detail) })}</p>
      )}
      {item.decision && (
        <p class="row-sub">{t('risk.decision', { decision: tCode('decision', item.decision) })}{item.decision_note ? ` · ${item.decision_note}` : ''}</p>
      )}
      {sent && <p class="ok" role="status">{t('risk.sent')}</p>}
      {canRequest && !asking && (
        <button type="button" class="btn" onClick={() => setAsking(true)}>{t('risk.request')}</button>
      )}
      {canRequest && asking && (
        <RequestForm caseId={item.id} onCancel={() => setAsking(false)} onSent={() => { setAsking(false); setSent(true); onChanged(); }} />
      )}
    </li>
  );
}

type Errors = Record<string, string>;

/** Fields as the RM types them, checked here first; the server's answer names fields too. */
function RequestForm({ caseId, onCancel, onSent }: { caseId: number; onCancel: () => void; onSent: () => void }) {
  const [action, setAction] = useState<RiskRequest['action']>('waiver');
  const [cooperative, setCooperative] = useState(false);
  const [share, setShare] = useState('100');
  const [days, setDays] = useState('90');
  const [revaluation, setRevaluation] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = (field: string) => `risk-${caseId}-${field}`;

  function check(): Errors {
    const found: Errors = {};
    if (!cooperative) found.cooperative = t('risk.needCooperative');
    if (action === 'waiver' && !(Number(share) > 0 && Number(share) <= 100)) found.waiver_share = t('risk.shareRange');
    if (action === 'extension' && !(Number.isInteger(Number(days)) && Number(days) >= 1)) found.extension_days = t('risk.daysRange');
    if (action === 'extension' && !(revaluation.trim() !== '' && Number(revaluation) >= 0)) found.revaluation = t('risk.revaluationNeeded');
    return found;
  }

  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    const found = check();
    setErrors(found);
    if (Object.keys(found).length) return;
    const body: RiskRequest = action === 'waiver'
      ? { action, cooperative: true, waiver_share: Number(share) / 100, note: note.trim() || undefined }
      : { action, cooperative: true, extension_days: Number(days), revaluation: Number(revaluation), note: note.trim() || undefined };
    setBusy(true);
    try {
      await plans.requestRiskAction(caseId, body);
      onSent();
    } catch (e) {
      if (e instanceof ApiError && e.body.fields && Object.keys(e.body.fields).length) {
        setErrors(Object.fromEntries(Object.entries(e.body.fields).map(([f, problems]) => [f, ([] as string[]).concat(problems).join(' ')])));
        setFailure(e.message || t('form.fix'));
      } else {
        setFailure(describeError(e));
      }
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (field: string) => errors[field] && <span class="field-error" id={id(`${field}-error`)}>{errors[field]}</span>;
  const described = (field: string) => (errors[field] ? id(`${field}-error`) : undefined);
  const known = new Set(['cooperative', 'waiver_share', 'extension_days', 'revaluation', 'note', 'action']);
  const other = Object.entries(errors).filter(([f]) => !known.has(f));

  return (
    <form class="form inline-form risk-form" onSubmit={submit} noValidate data-testid="risk-request-form">
      <fieldset class="choices">
        <legend>{t('risk.action')}</legend>
        {(['waiver', 'extension'] as const).map((a) => (
          <label key={a} class={action === a ? 'choice active' : 'choice'}>
            <input type="radio" name={id('action')} value={a} checked={action === a} onChange={() => setAction(a)} />
            {tCode('action', a)}
          </label>
        ))}
      </fieldset>
      {fieldError('action')}
      <label class="check">
        <input type="checkbox" name="cooperative" checked={cooperative} aria-invalid={Boolean(errors.cooperative)} aria-describedby={described('cooperative')} onChange={(e) => setCooperative(e.currentTarget.checked)} />
        {t('risk.cooperative')}
      </label>
      {fieldError('cooperative')}
      {action === 'waiver' && (
        <label>{t('risk.waiverShare')}
          <input type="number" name="waiver_share" inputMode="decimal" min={1} max={100} step="any" value={share} aria-invalid={Boolean(errors.waiver_share)} aria-describedby={described('waiver_share')} onInput={(e) => setShare(e.currentTarget.value)} />
          {fieldError('waiver_share')}
        </label>
      )}
      {action === 'extension' && (
        <>
          <label>{t('risk.extensionDays')}
            <input type="number" name="extension_days" inputMode="numeric" min={1} max={365} step={1} value={days} aria-invalid={Boolean(errors.extension_days)} aria-describedby={described('extension_days')} onInput={(e) => setDays(e.currentTarget.value)} />
            {fieldError('extension_days')}
          </label>
          <label>{t('risk.revaluation')}
            <input type="number" name="revaluation" inputMode="decimal" min={0} step="0.01" value={revaluation} aria-invalid={Boolean(errors.revaluation)} aria-describedby={described('revaluation')} onInput={(e) => setRevaluation(e.currentTarget.value)} />
            {fieldError('revaluation')}
          </label>
        </>
      )}
      <label>{t('risk.note')}
        <textarea name="note" rows={3} maxLength={500} value={note} aria-invalid={Boolean(errors.note)} aria-describedby={described('note')} onInput={(e) => setNote(e.currentTarget.value)} />
        {fieldError('note')}
      </label>
      {other.map(([f, text]) => <p key={f} class="form-error">{f}: {text}</p>)}
      {failure && <p class="form-error" role="alert">{failure}</p>}
      <div class="actions">
        <button type="submit" class="btn primary" disabled={busy}>{t('risk.submit')}</button>
        <button type="button" class="btn" onClick={onCancel}>{t('visit.cancel')}</button>
      </div>
    </form>
  );
}
