import type { Card, Interaction } from '../data/api';
import { day, locale, t, tCode, type MessageKey } from '../i18n';
import { pickText, reasonText } from '../logic/plan';
import { isPriced } from '../logic/offers';
import { ReasonChips } from './Chips';
import { priceText, productName } from './Offers';

/** The last contact that promised something: a follow-up date or an objective. */
export function lastPromise(contacts: Interaction[]): Interaction | null {
  return contacts.find((c) => c.follow_up_on || c.follow_up_objective?.trim()) ?? null;
}

/** "今日要点": why the customer is on today's plan and what to bring to the contact (the best
 * offer at its price, the last promise, an open risk case), before any figure. */
export function Focus({ card }: { card: Card }) {
  const entry = card.plan_entry;
  const offer = card.offers?.[0];
  const promise = lastPromise(card.interactions);
  const risk = card.risk_cases?.[0];
  if (!entry && !offer && !promise && !risk) return null;
  const price = offer && isPriced(offer.price) ? offer.price : null;
  return (
    <section aria-labelledby="focus-title" class="panel focus" data-testid="focus">
      <h2 id="focus-title">{t('focus.title')}</h2>
      {entry ? (
        <>
          <p class="focus-why" data-testid="focus-why">
            {entry.must_do && <span class="chip must-chip">{t(`plan.must.${entry.must_do}` as MessageKey)}</span>}
            {pickText(locale.value, entry.objective, entry.objective_en)}
          </p>
          <ReasonChips reasons={entry.reasons} />
        </>
      ) : <p class="muted">{t('focus.notPlanned')}</p>}
      <dl class="focus-list">
        {offer && (
          <div data-testid="focus-offer">
            <dt>{t('focus.offer')}</dt>
            <dd>
              <strong>{productName(offer.product)}</strong>
              {price && ` · ${t('focus.price', { price: priceText(price.suggested, price.unit) })}`}
              {price?.band && ` · ${t('focus.band', { min: priceText(price.band.min, price.unit), max: priceText(price.band.max, price.unit) })}`}
            </dd>
          </div>
        )}
        {promise && (
          <div data-testid="focus-promise">
            <dt>{t('focus.promise')}</dt>
            <dd>
              {promise.follow_up_objective?.trim() || t('focus.followUp')}
              {promise.follow_up_on && ` · ${t('focus.by', { date: day(promise.follow_up_on) })}`}
            </dd>
          </div>
        )}
        {risk && (
          <div data-testid="focus-risk">
            <dt>{t('focus.risk')}</dt>
            <dd>
              {/* a low severity next to an escalation reads as a contradiction: only the weighty say it */}
              {risk.severity >= 2 && <span class={`chip sev-${risk.severity}`}>{t('focus.severity', { level: tCode('severity', String(risk.severity)) })}</span>}
              {' '}{risk.signals.slice(0, 2).map((s) => reasonText(locale.value, s)).join(' · ')}
            </dd>
          </div>
        )}
      </dl>
    </section>
  );
}
