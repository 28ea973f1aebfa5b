import { locale, t, tCode } from '../i18n';
import type { Reason } from '../data/api';
import { reasonText } from '../logic/plan';

export function Chips({ segment, tier, status }: { segment: string; tier: string; status: string }) {
  return (
    <span class="chips">
      <span class={`chip seg-${segment}`}>{tCode('segment', segment)}</span>
      <span class={`chip tier-${tier}`}>{tCode('tier', tier)}</span>
      {status !== 'active' && <span class={`chip status-${status}`}>{tCode('status', status)}</span>}
    </span>
  );
}

/** The reasons behind a plan entry, moment or risk case, in the reader's language. */
export function ReasonChips({ reasons }: { reasons: Reason[] | null | undefined }) {
  if (!reasons || reasons.length === 0) return null;
  return (
    <ul class="reasons" aria-label={t('plan.reasons')}>
      {reasons.map((r, i) => <li key={`${r.code}-${i}`} class={`chip reason reason-${r.code}`}>{reasonText(locale.value, r)}</li>)}
    </ul>
  );
}
