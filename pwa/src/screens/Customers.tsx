import { useEffect, useState } from 'preact/hooks';
import { AsOf, Empty, ErrorState, Skeleton } from '../components/States';
import { CustomerRow } from '../components/CustomerRow';
import { useLoad } from '../components/useLoad';
import type { CustomerQuery } from '../data/api';
import * as portfolio from '../data/portfolio';
import { t, tCode, type MessageKey } from '../i18n';

const FILTERS = {
  segment: ['large', 'medium', 'small', 'micro'],
  tier: ['basic', 'intermediate', 'advanced'],
  status: ['active', 'dormant', 'lapsed', 'closed'],
} as const;
const PER_PAGE = 30;

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function CustomerList({ selectedId }: { selectedId?: number }) {
  const [q, setQ] = useState('');
  const [filters, setFilters] = useState<Pick<CustomerQuery, 'segment' | 'tier' | 'status'>>({});
  const [pages, setPages] = useState(1);
  const query = useDebounced(q, 250);
  const [state, reload] = useLoad(
    () => portfolio.customers({ q: query, ...filters, per_page: PER_PAGE * pages }),
    [query, filters.segment, filters.tier, filters.status, pages],
  );

  return (
    <section aria-labelledby="customers-title" class="customer-list">
      <header class="screen-head">
        <h1 id="customers-title">{t('customers.title')}</h1>
        <input
          type="search" class="search" value={q} placeholder={t('customers.search')} aria-label={t('customers.search')}
          onInput={(e) => { setQ(e.currentTarget.value); setPages(1); }}
        />
        <div class="filters" role="group" aria-label={t('customers.filters')}>
          {(Object.keys(FILTERS) as (keyof typeof FILTERS)[]).map((name) => (
            <label key={name} class="filter">
              <span>{t(`filter.${name}` as MessageKey)}</span>
              <select value={filters[name] ?? ''} onChange={(e) => { setFilters({ ...filters, [name]: e.currentTarget.value || undefined }); setPages(1); }}>
                <option value="">{t('customers.all')}</option>
                {FILTERS[name].map((code) => <option key={code} value={code}>{tCode(name, code)}</option>)}
              </select>
            </label>
          ))}
        </div>
        {state.status === 'ready' && (
          <p class="muted" aria-live="polite">
            {t('customers.count', { n: state.value.data.total })} · <AsOf asOf={state.value.asOf} offline={state.value.offline} />
          </p>
        )}
      </header>
      {state.status === 'loading' && <Skeleton />}
      {state.status === 'error' && <ErrorState message={t('state.error', { detail: state.message })} onRetry={reload} />}
      {state.status === 'ready' && state.value.data.items.length === 0 && <Empty message={t('customers.empty')} />}
      {state.status === 'ready' && state.value.data.items.length > 0 && (
        <ul class="list" data-testid="customer-list">
          {state.value.data.items.map((c) => <CustomerRow key={c.id} customer={c} selected={c.id === selectedId} />)}
        </ul>
      )}
      {state.status === 'ready' && state.value.data.total > state.value.data.items.length && (
        <button type="button" class="btn wide" onClick={() => setPages(pages + 1)}>{t('customers.more')}</button>
      )}
    </section>
  );
}

/** Phone: the list. Tablet: the list beside an empty card pane. */
export function Customers() {
  return (
    <div class="split">
      <CustomerList />
      <aside class="split-detail placeholder" aria-hidden="true"><p>{t('customers.select')}</p></aside>
    </div>
  );
}
