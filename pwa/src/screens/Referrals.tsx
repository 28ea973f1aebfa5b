import { useRoute } from 'preact-iso';
import { ReferralCard } from '../components/ReferralCard';
import { Empty, ErrorState, Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import * as portfolio from '../data/portfolio';
import * as referrals from '../data/referrals';
import { user } from '../data/session';
import { locale, t } from '../i18n';

/**
 * Referrals: an RM's (routed to them) and a lead's (the team's), to work; a referrer's own,
 * to follow. Needs a connection.
 */
export function Referrals() {
  const { params } = useRoute();
  const highlight = Number(params.id) || undefined;
  const role = user.value?.role;
  const canWork = role === 'rm' || role === 'lead';
  const [state, reload] = useLoad(() => Promise.all([referrals.list(), portfolio.products().catch(() => [])]), []);
  const title = canWork ? t('referrals.title') : t('referrals.mineTitle');
  return (
    <section aria-labelledby="referrals-title">
      <header class="screen-head">
        <h1 id="referrals-title">{title}</h1>
        {state.status === 'ready' && referrals.openReferrals.value != null && referrals.openReferrals.value > 0 && (
          <p class="muted" data-testid="referrals-open">{t('referrals.openCount', { n: referrals.openReferrals.value })}</p>
        )}
      </header>
      {state.status === 'loading' && <Skeleton rows={3} />}
      {state.status === 'error' && <ErrorState message={state.message === t('state.offline') ? t('referrals.offline') : t('state.error', { detail: state.message })} onRetry={reload} />}
      {state.status === 'ready' && state.value[0].length === 0 && <Empty message={t('referrals.empty')} />}
      {state.status === 'ready' && state.value[0].length > 0 && (
        <ul class="plan-list" data-testid="referral-list" lang={locale.value}>
          {state.value[0].map((r) => <ReferralCard key={r.id} referral={r} products={state.value[1]} canWork={canWork} highlight={r.id === highlight} />)}
        </ul>
      )}
    </section>
  );
}
