import { useState } from 'preact/hooks';
import { ApiError, OfflineError, type Moment } from '../data/api';
import * as plans from '../data/plan';
import { day, locale, t, tCode } from '../i18n';
import { ReasonChips } from './Chips';
import { pickText } from '../logic/plan';

export function describeError(error: unknown): string {
  if (error instanceof OfflineError) return t('state.needsOnline');
  if (error instanceof ApiError) return error.message;
  return String(error);
}

const LIVE = new Set(['open', 'acknowledged']);

function suggestion(detail: Moment['detail']): string | null {
  const s = detail?.suggested as { zh?: string; en?: string; rate?: number | null; term_months?: number } | undefined;
  if (!s) return null;
  const parts = [pickText(locale.value, s.zh, s.en)];
  if (s.rate != null) parts.push(t('moments.rate', { rate: `${(s.rate * 100).toFixed(2)}%` }));
  if (s.term_months) parts.push(t('moments.term', { n: s.term_months }));
  return t('moments.suggested', { text: parts.filter(Boolean).join(' · ') });
}

/** The customer's key moments; changing one needs a connection. */
export function Moments({ moments, onChanged }: { moments: Moment[]; onChanged: () => void }) {
  const [changed, setChanged] = useState<Record<number, Moment['state']>>({});
  const shown = moments.map((m) => ({ ...m, state: changed[m.id] ?? m.state }));
  return (
    <section aria-labelledby="moments-title" class="panel" data-testid="moments">
      <h2 id="moments-title">{t('moments.title')}</h2>
      {shown.length === 0 ? <p class="muted">{t('moments.empty')}</p> : (
        <ul class="plain">
          {shown.map((m) => (
            <MomentRow key={m.id} moment={m} onChanged={(state) => { setChanged({ ...changed, [m.id]: state }); onChanged(); }} />
          ))}
        </ul>
      )}
    </section>
  );
}

function MomentRow({ moment, onChanged }: { moment: Moment; onChanged: (state: Moment['state']) => void }) {
  const [dismissing, setDismissing] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const kind = tCode('moment', moment.kind);
  const advice = suggestion(moment.detail);

  async function send(state: 'acknowledged' | 'done' | 'dismissed', why?: string) {
    setBusy(true);
    setError(null);
    try {
      await plans.updateMoment(moment.id, why ? { state, reason: why } : { state });
      setDismissing(false);
      onChanged(state);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="moment" data-testid="moment" data-moment-id={moment.id} data-state={moment.state}>
      <span class="line-item">
        <strong>{kind}</strong>
        <span class="chips">
          <span class={`chip sev-${moment.severity}`}>{tCode('severity', String(moment.severity))}</span>
          <span class="chip">{tCode('momentState', moment.state)}</span>
        </span>
      </span>
      <span class="row-sub">{t('moments.due', { date: day(moment.due_on) })}</span>
      <ReasonChips reasons={moment.reasons} />
      {advice && <p class="note">{advice}</p>}
      {LIVE.has(moment.state) && (
        <div class="actions">
          {moment.state === 'open' && (
            <button type="button" class="btn small-action" disabled={busy} onClick={() => void send('acknowledged')} aria-label={`${t('moments.acknowledge')}: ${kind}`}>{t('moments.acknowledge')}</button>
          )}
          <button type="button" class="btn small-action" disabled={busy} onClick={() => void send('done')} aria-label={`${t('moments.done')}: ${kind}`}>{t('moments.done')}</button>
          <button type="button" class="btn small-action" disabled={busy} aria-expanded={dismissing} onClick={() => setDismissing(!dismissing)} aria-label={`${t('moments.dismiss')}: ${kind}`}>{t('moments.dismiss')}</button>
        </div>
      )}
      {dismissing && (
        <form class="inline-form" noValidate onSubmit={(e) => { e.preventDefault(); if (!reason.trim()) { setError(t('plan.needReason')); return; } void send('dismissed', reason.trim()); }}>
          <label>{t('moments.dismissReason')}
            <input name="reason" maxLength={200} value={reason} required onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <div class="actions">
            <button type="submit" class="btn primary" disabled={busy}>{t('plan.confirm')}</button>
            <button type="button" class="btn" onClick={() => setDismissing(false)}>{t('visit.cancel')}</button>
          </div>
        </form>
      )}
      {error && <p class="form-error" role="alert">{error}</p>}
    </li>
  );
}
