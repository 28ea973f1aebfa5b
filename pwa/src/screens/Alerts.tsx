import { useState } from 'preact/hooks';
import { describeError } from '../components/Moments';
import { kindLabel } from '../components/Push';
import { AsOf, Empty, ErrorState, Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import type { Alert } from '../data/api';
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

  function opened(item: Alert) {
    if (!isUnread(item)) return;
    setRead(new Set([...read, item.id]));
    void alerts.markRead([item.id]).catch(() => undefined); // the router moves on meanwhile
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
          {items.map((item) => {
            const unread = isUnread(item);
            return (
              <li key={item.id} class={unread ? 'alert-item unread' : 'alert-item'} data-testid="alert" data-alert-id={item.id} data-unread={unread ? 'true' : 'false'}>
                <a class="row" href={item.url} onClick={() => opened(item)}>
                  <span class="unread-dot" aria-hidden="true" />
                  <span class="row-main">
                    <span class="row-title">{unread && <span class="visually-hidden">{t('alerts.unread')}: </span>}{item.title}</span>
                    <span class="alert-body">{item.body}</span>
                    <span class="row-sub">{kindLabel(item.kind)} · <time dateTime={item.created_at}>{dateTime(item.created_at)}</time></span>
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
