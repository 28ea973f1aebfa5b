import { useState } from 'preact/hooks';
import { setEntryState, type EntryChange } from '../data/plan';
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
  return (
    <a class="row" href={`/customers/${entry.customer.id}`}>
      <span class="row-main">
        <span class="row-title">{name}</span>
        <span class="row-sub">
          {tCode('segment', entry.customer.segment)} · {t('plan.suggested', {
            how: entry.suggested_hour == null ? tCode('channel', entry.channel) : t('band.at', { channel: tCode('channel', entry.channel), hour: entry.suggested_hour }),
          })}
          {showRm && entry.rm ? ` · ${entry.rm.name}` : ''}
        </span>
      </span>
    </a>
  );
}

/** One customer to contact: why, what for, how; and the one-tap actions. */
export function PlanEntryCard({ entry, readOnly, showRm }: { entry: ShownEntry; readOnly?: boolean; showRm?: boolean }) {
  const [mode, setMode] = useState<'snooze' | 'dismiss' | null>(null);
  // the default snooze (the next working day) is worked out when the form opens, not for every card drawn
  const [chosenDay, setSnoozeTo] = useState<string | null>(null);
  const snoozeTo = mode === 'snooze' ? (chosenDay ?? nextWorkingDay(entry.day)) : '';
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const name = displayName(entry.customer);
  const objective = pickText(locale.value, entry.objective, entry.objective_en);
  const last = entry.last_contact;

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

  return (
    <li class="plan-card" data-testid="plan-entry" data-entry-id={entry.id} data-state={entry.state} data-unsent={entry.unsent ? 'true' : 'false'}>
      <Title entry={entry} showRm={showRm} />
      {objective && <p class="objective">{objective}</p>}
      <ReasonChips reasons={entry.reasons} />
      <p class="row-sub one-line">
        {last
          ? t('plan.lastContact', { date: dayOf(last.at), channel: tCode('channel', last.channel), outcome: tCode('outcome', last.outcome) }) + (last.notes ? ` · ${last.notes}` : '')
          : t('today.never')}
      </p>
      <StateChips entry={entry} />
      <div class="plan-actions">
        {entry.customer.phone
          ? <a class="btn small-action" href={`tel:${entry.customer.phone}`} aria-label={`${t('card.call')}: ${name}`}>{t('card.call')}</a>
          : <span class="btn small-action placeholder" aria-hidden="true" />}
        <a class="btn small-action" href={mapsUrl(entry.customer.name)} target="_blank" rel="noopener noreferrer" aria-label={`${t('plan.navigate')}: ${name}`}>{t('plan.navigate')}</a>
        <a class="btn small-action" href={`/customers/${entry.customer.id}/visit?name=${encodeURIComponent(name)}`} aria-label={`${t('visit.log')}: ${name}`}>{t('visit.log')}</a>
        {!readOnly && (
          <>
            <button type="button" class="btn small-action primary" onClick={() => void change({ state: 'done' })} aria-label={`${t('plan.done')}: ${name}`}>{t('plan.done')}</button>
            <button type="button" class="btn small-action" aria-expanded={mode === 'snooze'} onClick={() => { setError(null); setMode(mode === 'snooze' ? null : 'snooze'); }} aria-label={`${t('plan.snooze')}: ${name}`}>{t('plan.snooze')}</button>
            <button type="button" class="btn small-action" aria-expanded={mode === 'dismiss'} onClick={() => { setError(null); setMode(mode === 'dismiss' ? null : 'dismiss'); }} aria-label={`${t('plan.dismiss')}: ${name}`}>{t('plan.dismiss')}</button>
          </>
        )}
      </div>
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
