import { AsOf, Empty, ErrorState, Skeleton } from '../components/States';
import { CustomerRow } from '../components/CustomerRow';
import { useLoad } from '../components/useLoad';
import * as portfolio from '../data/portfolio';
import { locale, t } from '../i18n';

export function Today() {
  const [state, reload] = useLoad(() => portfolio.today(), []);
  return (
    <section aria-labelledby="today-title">
      <header class="screen-head">
        <h1 id="today-title">{t('today.title')}</h1>
        <p class="muted">{t('today.subtitle')}</p>
        {state.status === 'ready' && <AsOf asOf={state.value.asOf} offline={state.value.offline} />}
      </header>
      {state.status === 'loading' && <Skeleton />}
      {state.status === 'error' && <ErrorState message={t('state.error', { detail: state.message })} onRetry={reload} />}
      {state.status === 'ready' && state.value.data.items.length === 0 && <Empty message={t('today.empty')} />}
      {state.status === 'ready' && state.value.data.items.length > 0 && (
        <ul class="list" data-testid="today-list" lang={locale.value}>
          {state.value.data.items.map((c) => <CustomerRow key={c.id} customer={c} showContact />)}
        </ul>
      )}
    </section>
  );
}
