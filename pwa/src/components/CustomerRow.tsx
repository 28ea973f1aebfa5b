import type { CustomerSummary } from '../data/api';
import { locale, serverTime, t, tCode } from '../i18n';
import { Chips } from './Chips';

export function displayName(c: { name: string; name_en?: string | null }): string {
  return locale.value === 'en' && c.name_en ? c.name_en : c.name;
}

function daysSince(iso: string | null): number | null {
  if (!iso) return null;
  return Math.max(0, Math.floor((Date.now() - serverTime(iso).getTime()) / 86_400_000));
}

export function CustomerRow({ customer, showContact, selected }: { customer: CustomerSummary; showContact?: boolean; selected?: boolean }) {
  const days = daysSince(customer.last_contact_at);
  return (
    <li>
      <a href={`/customers/${customer.id}`} class={selected ? 'row selected' : 'row'} aria-current={selected ? 'true' : undefined}>
        <span class="row-main">
          <span class="row-title">{displayName(customer)}</span>
          <span class="row-sub">{customer.external_id} · {tCode('industry', customer.industry)} · {customer.region ?? ''}</span>
          {showContact && (
            <span class="row-sub">{days == null ? t('today.never') : t('today.daysSince', { n: days })}</span>
          )}
        </span>
        <Chips segment={customer.segment} tier={customer.tier} status={customer.status} />
      </a>
      {showContact && (
        <a class="btn log-btn" href={`/customers/${customer.id}/visit?name=${encodeURIComponent(displayName(customer))}`} aria-label={`${t('visit.log')}: ${displayName(customer)}`}>{t('visit.log')}</a>
      )}
    </li>
  );
}
