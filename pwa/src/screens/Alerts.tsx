import { useState } from 'preact/hooks';
import { describeError } from '../components/Moments';
import { kindLabel } from '../components/Push';
import { AsOf, Empty, ErrorState, Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import type { Alert } from '../data/api';
import { callStarted } from '../data/contacts';
import { user } from '../data/session';
import { displayName } from '../components/CustomerRow';
import { groupAlerts, type AlertGroup } from '../logic/alerts';
import * as alerts from '../data/alerts';
import { dateTime, locale, t } from '../i18n';

/** The inbox: every alert, pushed or not, newest first; the last one read when offline. */
export function Alerts() {
  const [state, reload] = useLoad(() => alerts.inbox(), []);
  const [read, setRead] = useState<Set<number>>(new Set());
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const isUnread = (a: Alert) => !a.read_at && !read.has(a.id);
  const items = state.status === 'ready' ? state.value.data.items : [];
  const unreadCount = items.filter(isUnread).length;

  async function markAll() {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await alerts.markAllRead();
      setRead(new Set(items.map((a) => a.id)));
      setStatus(t('alerts.allRead'));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  /** Opening a group reads every alert folded into it. */
  function opened(group: AlertGroup) {
    const ids = group.items.filter(isUnread).map((a) => a.id);
    if (ids.length === 0) return;
    setRead(new Set([...read, ...ids]));
    void alerts.markRead(ids).catch(() => undefined); // the router moves on meanwhile
  }

  return (
    <section aria-labelledby="alerts-title">
      <header class="screen-head alerts-head">
        <h1 id="alerts-title">{t('alerts.title')}</h1>
        {unreadCount > 0 && (
          <button type="button" class="btn small-action" disabled={busy} onClick={() => void markAll()}>{t('alerts.markAll')}</button>
        )}
      </header>
      {state.status === 'ready' && <AsOf asOf={state.value.asOf} offline={state.value.offline} />}
      {status && <p class="ok" role="status">{status}</p>}
      {error && <p class="form-error" role="alert">{error}</p>}
      {state.status === 'loading' && <Skeleton rows={4} />}
      {state.status === 'error' && (
        <ErrorState message={state.message === t('state.offline') ? t('alerts.offline') : t('state.error', { detail: state.message })} onRetry={reload} />
      )}
      {state.status === 'ready' && items.length === 0 && <Empty message={t('alerts.empty')} />}
      {state.status === 'ready' && items.length > 0 && (
        <ul class="list alert-list" data-testid="alert-list" lang={locale.value}>
          {groupAlerts(items, isUnread).map((group) => <AlertRow key={group.key} group={group} onOpen={() => opened(group)} />)}
        </ul>
      )}
    </section>
  );
}

/** One line per customer and kind: the newest alert, how many more it folds, what to do. */
function AlertRow({ group, onOpen }: { group: AlertGroup; onOpen: () => void }) {
  const item = group.latest;
  const customer = item.customer;
  const name = customer ? displayName(customer) : null;
  const more = group.items.length - 1;
  return (
    <li class={`alert-item${group.unread ? ' unread' : ''}${group.urgent ? ' urgent' : ''}`} data-testid="alert" data-alert-id={item.id}
      data-unread={group.unread ? 'true' : 'false'} data-count={group.items.length}>
      <a class="row" href={item.url} onClick={onOpen}>
        <span class="unread-dot" aria-hidden="true" />
        <span class="row-main">
          <span class="row-title">
            {group.unread > 0 && <span class="visually-hidden">{t('alerts.unread')}: </span>}
            {group.urgent && <span class="chip warn-chip" data-testid="alert-urgent">{t('alerts.urgent')}</span>}
            {name ? `${name} · ${item.title}` : item.title}
          </span>
          <span class="alert-body">{item.body}</span>
          <span class="row-sub">
            {kindLabel(item.kind)} · <time dateTime={item.created_at}>{dateTime(item.created_at)}</time>
            {more > 0 && <span class="chip" data-testid="alert-more"> {t('alerts.more', { n: more })}</span>}
          </span>
        </span>
      </a>
      {customer && user.value?.role === 'rm' && (
        <div class="alert-actions">
          {customer.phone && <a class="btn small-action" href={`tel:${customer.phone}`} onClick={() => { onOpen(); callStarted(customer.id, name ?? '', null); }} aria-label={`${t('card.call')}: ${name}`}>{t('card.call')}</a>}
          <a class="btn small-action" href={`/customers/${customer.id}`} onClick={onOpen} aria-label={`${t('alerts.openCard')}: ${name}`}>{t('alerts.openCard')}</a>
          <a class="btn small-action" href={`/customers/${customer.id}/visit?name=${encodeURIComponent(name ?? '')}`} onClick={onOpen} aria-label={`${t('plan.log')}: ${name}`}>{t('plan.log')}</a>
        </div>
      )}
    </li>
  );
}
