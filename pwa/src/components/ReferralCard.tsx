import { useState } from 'preact/hooks';
import type { Product, Referral, ReferralChange } from '../data/api';
import * as referrals from '../data/referrals';
import { dateTime, locale, money, t, tCode, type MessageKey } from '../i18n';
import { describeError } from './Moments';
import { referralActions, slaSteps } from '../logic/offers';

/** The service times: acknowledge by, contact by; when done, when; overdue ones stand out. */
export function SlaLines({ referral }: { referral: Referral }) {
  const steps = slaSteps(referral);
  if (steps.length === 0) return null;
  return (
    <ul class="sla" aria-label={t('referrals.sla')} data-testid="sla">
      {steps.map((s) => (
        <li key={s.step} class={`sla-${s.status}`} data-step={s.step} data-status={s.status}>
          {t(`sla.${s.step}.${s.status}` as MessageKey, { time: dateTime(s.time) })}
        </li>
      ))}
    </ul>
  );
}

export function stateChip(state: string) {
  return <span class={`chip referral-${state}`} data-testid="referral-state">{tCode('referralState', state)}</span>;
}

/** Who was referred, as far as the reader may know: a customer, a new company, or just the number given. */
export function referralTitle(r: Referral): string {
  if (r.customer?.name) return locale.value === 'en' && r.customer.name_en ? r.customer.name_en : r.customer.name;
  if (r.prospect?.name) return r.prospect.name;
  return r.customer?.external_id ? `${t('referrals.hidden')} ${r.customer.external_id}` : t('referrals.hidden');
}

const ACTION: Record<ReferralChange['state'], MessageKey> = {
  acknowledged: 'referrals.acknowledge', contacted: 'referrals.contacted', won: 'referrals.won', lost: 'referrals.lost',
};

/** One referral. The RM (or the lead) it is routed to moves it on; a referrer only reads it. */
export function ReferralCard({ referral, products, canWork, highlight }: {
  referral: Referral; products: Product[]; canWork: boolean; highlight?: boolean;
}) {
  const [shown, setShown] = useState(referral);
  const [losing, setLosing] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const title = referralTitle(shown);
  const product = shown.product_code ? products.find((p) => p.code === shown.product_code) : undefined;
  const actions = canWork ? referralActions(shown.state) : [];
  const slaMissed = slaSteps(shown).some((s) => s.status === 'missed');

  async function change(body: ReferralChange) {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const updated = await referrals.update(shown.id, body);
      setShown({ ...shown, ...updated });
      setLosing(false);
      setStatus(t('referrals.changed', { state: tCode('referralState', updated.state) }));
      void referrals.refreshOpen();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  function submitLost(event: Event) {
    event.preventDefault();
    if (!reason.trim()) return setError(t('plan.needReason'));
    void change({ state: 'lost', reason: reason.trim() });
  }

  const prospect = shown.prospect;
  const contact = prospect ? [prospect.contact, prospect.phone, prospect.region].filter(Boolean).join(' · ') : '';
  return (
    <li class={`plan-card referral${slaMissed ? ' overdue' : ''}${highlight ? ' highlight' : ''}`} data-testid="referral" data-referral-id={shown.id} data-state={shown.state}>
      <div class="referral-head">
        <span class="row-main">
          {shown.customer?.id
            ? <a class="row-title party-link" href={`/customers/${shown.customer.id}`}>{title}</a>
            : <span class="row-title">{title}</span>}
          <span class="row-sub">
            {shown.referrer && canWork
              ? (shown.referrer.line
                ? t('referrals.fromLine', { name: shown.referrer.name, line: tCode('line', shown.referrer.line), time: dateTime(shown.created_at) })
                : t('referrals.from', { name: shown.referrer.name, time: dateTime(shown.created_at) }))
              : dateTime(shown.created_at)}
          </span>
        </span>
        <span class="chips">
          {stateChip(shown.state)}
          {prospect && <span class="chip">{t('referrals.newCompany')}</span>}
        </span>
      </div>
      <p class="objective"><span class="visually-hidden">{t('referrals.need')}: </span>{shown.need}</p>
      <dl class="facts compact-facts">
        {shown.product_code && <div><dt>{t('referrals.product')}</dt><dd>{product ? (locale.value === 'en' ? product.name_en : product.name) : shown.product_code}</dd></div>}
        {contact && <div><dt>{t('referrals.prospectDetails')}</dt><dd>{contact}</dd></div>}
        <div><dt>{t('card.rm')}</dt><dd data-testid="referral-rm">{shown.rm?.name ?? t('referrals.noRm')}</dd></div>
      </dl>
      <SlaLines referral={shown} />
      {shown.lost_reason && <p class="note"><span class="muted">{t('referrals.lostReason')} </span>{shown.lost_reason}</p>}
      {shown.credit && <p class="ok">{t('referrals.credit', { amount: money(shown.credit.amount) })}</p>}
      {status && <p class="ok" role="status">{status}</p>}
      {actions.length > 0 && (
        <div class="offer-actions">
          {actions.map((state) => (state === 'lost' ? (
            <button key={state} type="button" class="btn small-action" disabled={busy} aria-expanded={losing} onClick={() => { setError(null); setLosing(!losing); }} aria-label={`${t(ACTION[state])}: ${title}`}>{t(ACTION[state])}</button>
          ) : (
            <button key={state} type="button" class={state === 'won' || state === 'acknowledged' ? 'btn small-action primary' : 'btn small-action'} disabled={busy} onClick={() => void change({ state })} aria-label={`${t(ACTION[state])}: ${title}`}>{t(ACTION[state])}</button>
          )))}
        </div>
      )}
      {losing && (
        <form class="inline-form" onSubmit={submitLost} noValidate>
          <label>{t('referrals.lostReason')}
            <input name="reason" maxLength={200} value={reason} required onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          {error && <p class="form-error" role="alert">{error}</p>}
          <div class="actions">
            <button type="submit" class="btn primary" disabled={busy}>{t('plan.confirm')}</button>
            <button type="button" class="btn" onClick={() => setLosing(false)}>{t('visit.cancel')}</button>
          </div>
        </form>
      )}
      {!losing && error && <p class="form-error" role="alert">{error}</p>}
    </li>
  );
}
