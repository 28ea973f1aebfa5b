import { useState } from 'preact/hooks';
import { setEntryState, type EntryChange } from '../data/plan';
import type { PlanEntry } from '../data/api';
import { callStarted } from '../data/contacts';
import { day, dayOf, locale, t, tCode, type MessageKey } from '../i18n';
import { ReasonChips } from './Chips';
import { displayName } from './CustomerRow';
import { addDays, MAX_SNOOZE_DAYS, mapsUrl, nextWorkingDay, pickText, validSnooze, type ShownEntry } from '../logic/plan';
import { FormActions } from './FormActions';

function StateChips({ entry }: { entry: ShownEntry }) {
  if (entry.state === 'planned' && !entry.carried_days && !entry.is_marketing && !entry.unsent) return null;
  return (
    <span class="chips left">
      {entry.state === 'done' && <span class="chip state-done">{t('plan.state.done')}</span>}
      {entry.state === 'dismissed' && <span class="chip">{t('plan.state.dismissed')}</span>}
      {entry.state === 'snoozed' && <span class="chip">{t('plan.state.snoozed', { date: day(entry.snoozed_to) })}</span>}
      {entry.state === 'missed' && <span class="chip warn-chip">{t('plan.state.missed')}</span>}
      {entry.carried_days > 0 && <span class="chip warn-chip" data-testid="carried">{t('plan.carried', { n: entry.carried_days })}</span>}
      {entry.is_marketing && <span class="chip">{t('plan.marketing')}</span>}
      {entry.unsent && !entry.problem && <span class="chip unsent-chip" data-testid="entry-unsent">{t('card.unsent')}</span>}
      {entry.problem && <a class="chip problem-chip" href="/outbox">{t(`outbox.${entry.problem}` as MessageKey)}</a>}
    </span>
  );
}

function Title({ entry, showRm }: { entry: ShownEntry; showRm?: boolean }) {
  const name = displayName(entry.customer);
  const how = entry.suggested_hour == null ? tCode('channel', entry.channel) : t('band.at', { channel: tCode('channel', entry.channel), hour: entry.suggested_hour });
  return (
    <a class="row entry-title" href={`/customers/${entry.customer.id}`}>
      <span class="row-title">{name}</span>
      <span class="row-sub when">{showRm && entry.rm ? `${entry.rm.name} · ` : ''}{how}</span>
    </a>
  );
}

/** What to bring up (the customer's best offer) and what happened last time, on one line. */
function OfferAndLast({ entry }: { entry: ShownEntry }) {
  const last = entry.last_contact;
  const offer = entry.offer ? t('plan.offer', { product: pickText(locale.value, entry.offer.name, entry.offer.name_en) }) : null;
  const lastText = last
    ? t('plan.last', { date: dayOf(last.at), channel: tCode('channel', last.channel), outcome: tCode('outcome', last.outcome) })
    : t('today.never');
  return <p class="row-sub one-line" data-testid="entry-offer">{offer ? `${offer} · ${lastText}` : lastText}</p>;
}

/** Where the visit form starts from this entry: its channel, its offer, and the entry it closes. */
export function visitHref(entry: Pick<PlanEntry, 'id' | 'channel' | 'offer' | 'customer'>, name: string): string {
  const params = new URLSearchParams({ name, entry: String(entry.id), channel: entry.channel });
  if (entry.offer) params.set('offer', entry.offer.product_code);
  return `/customers/${entry.customer.id}/visit?${params}`;
}

/** One customer to contact, in a few lines: who and when, why, what to say and offer; the
 * one-tap actions (call, log), and the rest behind "more". */
export function PlanEntryCard({ entry, readOnly, showRm }: { entry: ShownEntry; readOnly?: boolean; showRm?: boolean }) {
  const [mode, setMode] = useState<'menu' | 'snooze' | 'dismiss' | null>(null);
  // the default snooze (the next working day) is worked out when the form opens, not for every card drawn
  const [chosenDay, setSnoozeTo] = useState<string | null>(null);
  const snoozeTo = mode === 'snooze' ? (chosenDay ?? nextWorkingDay(entry.day)) : '';
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const name = displayName(entry.customer);
  const objective = pickText(locale.value, entry.objective, entry.objective_en);

  async function change(next: EntryChange) {
    setError(null);
    await setEntryState(entry, next, name);
    setMode(null);
  }

  function submitSnooze(event: Event) {
    event.preventDefault();
    if (!validSnooze(entry.day, snoozeTo)) return setError(t('plan.snoozeInvalid', { date: day(entry.day) }));
    void change({ state: 'snoozed', snoozed_to: snoozeTo });
  }

  function submitDismiss(event: Event) {
    event.preventDefault();
    if (!reason.trim()) return setError(t('plan.needReason'));
    void change({ state: 'dismissed', reason: reason.trim() });
  }

  const open = (next: typeof mode) => { setError(null); setMode(mode === next ? null : next); };
  return (
    <li class={`plan-card${entry.must_do ? ' must' : ''}`} data-testid="plan-entry" data-entry-id={entry.id} data-state={entry.state} data-unsent={entry.unsent ? 'true' : 'false'}>
      <Title entry={entry} showRm={showRm} />
      <p class="talking one-line">
        {entry.must_do && <span class="chip must-chip" data-testid="must-do">{t(`plan.must.${entry.must_do}` as MessageKey)}</span>}
        {objective}
      </p>
      {/* one line: the two weightiest reasons (the card has them all) */}
      <ReasonChips reasons={entry.reasons.slice(0, 2)} />
      <OfferAndLast entry={entry} />
      <StateChips entry={entry} />
      <div class="plan-actions">
        {entry.customer.phone
          ? <a class="btn small-action" href={`tel:${entry.customer.phone}`} onClick={() => callStarted(entry.customer.id, name, readOnly ? null : entry.id)} aria-label={`${t('card.call')}: ${name}`}>{t('card.call')}</a>
          : <a class="btn small-action" href={mapsUrl(entry.customer.name)} target="_blank" rel="noopener noreferrer" aria-label={`${t('plan.navigate')}: ${name}`}>{t('plan.navigate')}</a>}
        <a class="btn small-action" href={visitHref(entry, name)} aria-label={`${t('plan.log')}: ${name}`}>{t('plan.log')}</a>
        {!readOnly && (
          <button type="button" class="btn small-action more" aria-expanded={mode !== null} aria-haspopup="true" onClick={() => open('menu')} aria-label={`${t('plan.more')}: ${name}`}>
            {t('plan.more')}
          </button>
        )}
      </div>
      {mode === 'menu' && (
        <div class="entry-menu" role="group" aria-label={t('plan.more')}>
          <button type="button" class="btn small-action" onClick={() => void change({ state: 'done' })} aria-label={`${t('plan.done')}: ${name}`}>{t('plan.done')}</button>
          <button type="button" class="btn small-action" onClick={() => open('snooze')} aria-label={`${t('plan.snooze')}: ${name}`}>{t('plan.snooze')}</button>
          <button type="button" class="btn small-action" onClick={() => open('dismiss')} aria-label={`${t('plan.dismiss')}: ${name}`}>{t('plan.dismiss')}</button>
          {entry.customer.phone && <a class="btn small-action" href={mapsUrl(entry.customer.name)} target="_blank" rel="noopener noreferrer" aria-label={`${t('plan.navigate')}: ${name}`}>{t('plan.navigate')}</a>}
        </div>
      )}
      {mode === 'snooze' && (
        <form class="inline-form" onSubmit={submitSnooze} noValidate>
          <label>{t('plan.snoozeTo')}
            <input type="date" name="snoozed_to" min={addDays(entry.day, 1)} max={addDays(entry.day, MAX_SNOOZE_DAYS)} value={snoozeTo} required onInput={(e) => setSnoozeTo(e.currentTarget.value)} />
          </label>
          <FormActions error={error} onCancel={() => setMode(null)} />
        </form>
      )}
      {mode === 'dismiss' && (
        <form class="inline-form" onSubmit={submitDismiss} noValidate>
          <label>{t('plan.dismissReason')}
            <input name="reason" maxLength={200} value={reason} required onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <FormActions error={error} onCancel={() => setMode(null)} />
        </form>
      )}
    </li>
  );
}

/** An entry already done, snoozed or dismissed: who, and what happened to it. */
export function HandledEntry({ entry, showRm }: { entry: ShownEntry; showRm?: boolean }) {
  return (
    <li class="plan-card handled" data-testid="plan-entry" data-entry-id={entry.id} data-state={entry.state} data-unsent={entry.unsent ? 'true' : 'false'}>
      <Title entry={entry} showRm={showRm} />
      <StateChips entry={entry} />
    </li>
  );
}
