import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import type { OutboxItem } from '../data/db';
import { online } from '../data/network';
import { discard, outboxState, recheck, resolveKeepMine, syncNow } from '../data/outbox-state';
import { dateTime, day, t, tCode, type MessageKey } from '../i18n';
import { Empty } from '../components/States';

export function SyncSummary() {
  const { unsent, lastSync } = outboxState.value;
  return (
    <p class="sync-summary" data-testid="sync-summary">
      <span data-testid="unsent-count" data-count={unsent}>{unsent ? t('outbox.unsent', { n: unsent }) : t('outbox.allSent')}</span>
      {' · '}
      <span>{lastSync ? t('outbox.lastSync', { time: dateTime(lastSync) }) : t('outbox.never')}</span>
    </p>
  );
}

export function Outbox() {
  const { items } = outboxState.value;
  return (
    <section aria-labelledby="outbox-title">
      <header class="screen-head">
        <h1 id="outbox-title">{t('outbox.title')}</h1>
        <SyncSummary />
        <button type="button" class="btn" onClick={() => void syncNow()}>{t('outbox.syncNow')}</button>
      </header>
      {items.length === 0 ? <Empty message={t('outbox.empty')} /> : (
        <ul class="list" data-testid="outbox-list">
          {items.map((item) => <OutboxRow key={item.client_id} item={item} />)}
        </ul>
      )}
    </section>
  );
}

function OutboxRow({ item }: { item: OutboxItem }) {
  return (
    <li class="row" data-state={item.state}>
      <span class="row-main">
        <span class="row-title">{t(`kind.${item.kind}` as MessageKey)} · {item.label || `#${item.customerId ?? ''}`}</span>
        <span class="row-sub">{dateTime(item.createdAt)} · {t(`outbox.${item.state}` as MessageKey)}</span>
        {reason(item) && <span class="row-sub warn" data-testid="outbox-reason">{reason(item)}</span>}
      </span>
      {item.state === 'conflict' && <a class="btn" href={`/outbox/${item.client_id}`}>{t('outbox.resolve')}</a>}
      {(item.state === 'invalid' || item.state === 'forbidden') && (
        <button type="button" class="btn danger" onClick={() => void discard(item.client_id)}>{t('outbox.discard')}</button>
      )}
    </li>
  );
}

/** Why a write is still here, in the RM's words: never the server's English message. */
function reason(item: OutboxItem): string | null {
  if (item.state === 'pending' && item.error?.reason === 'server-error') return t('outbox.serverError');
  if (item.state !== 'invalid') return null;
  const labels = [...new Set(Object.keys(item.error?.fields ?? {}).map((f) => f.split('.')[0]).filter((f) => f in LABELS))];
  return labels.length ? t('outbox.rejectedFields', { fields: labels.map((f) => t(LABELS[f])).join('、') }) : t('outbox.rejected');
}

const HIDDEN = new Set(['customer_id', 'replaces', 'version', 'location']);
// field -> its label on the visit form, so both versions read as the RM wrote them
const LABELS: Record<string, MessageKey> = {
  channel: 'visit.channel', outcome: 'visit.outcome', started_at: 'visit.when', notes: 'visit.notes',
  products_discussed: 'visit.products', follow_up_on: 'visit.followUp',
  follow_up_objective: 'visit.followUpObjective', state: 'filter.status', location: 'outbox.fieldLocation',
};

function show(field: string, value: unknown): string {
  if (value == null || value === '' || (Array.isArray(value) && value.length === 0)) return '—';
  if (field === 'channel' || field === 'outcome') return tCode(field, String(value));
  if (field === 'started_at') return dateTime(String(value));
  if (field === 'follow_up_on') return day(String(value));
  if (field === 'products_discussed') {
    return (value as { product_code: string; answer: string; reason?: string }[])
      .map((p) => `${p.product_code} ${tCode('answer', p.answer)}${p.reason ? ` (${p.reason})` : ''}`).join('; ');
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Both versions side by side; the RM keeps one or merges by hand. Nothing merges by itself. */
export function Conflict() {
  const { params } = useRoute();
  const { route } = useLocation();
  // the server's version as it is now, not as it was when the conflict came back
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    void recheck(params.clientId).finally(() => setChecked(true));
  }, [params.clientId]);
  const item = outboxState.value.items.find((i) => i.client_id === params.clientId);
  if (!checked && online.value) return <p class="muted" role="status">{t('conflict.checking')}</p>;
  if (!item || item.state !== 'conflict') return <Empty message={t('conflict.gone')} />;
  const server = item.server ?? {};
  const mine = item.body;
  const fields = [...new Set([...Object.keys(server), ...Object.keys(mine)])]
    .filter((f) => !HIDDEN.has(f) && (show(f, server[f]) !== '—' || show(f, mine[f]) !== '—'));
  return (
    <section aria-labelledby="conflict-title" class="panel">
      <h1 id="conflict-title">{t('conflict.title')}</h1>
      {!online.value && <p class="muted">{t('conflict.offline')}</p>}
      <table class="conflict" data-testid="conflict-table">
        <thead><tr><th scope="col">{t('conflict.field')}</th><th scope="col">{t('conflict.server')}</th><th scope="col">{t('conflict.mine')}</th></tr></thead>
        <tbody>
          {fields.map((f) => (
            <tr key={f} class={show(f, server[f]) !== show(f, mine[f]) ? 'differs' : ''}>
              <th scope="row">{f in LABELS ? t(LABELS[f]) : f}</th><td>{show(f, server[f])}</td><td>{show(f, mine[f])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <button type="button" class="btn" onClick={async () => { await discard(item.client_id); route('/outbox'); }}>{t('conflict.keepServer')}</button>
        <button type="button" class="btn primary" onClick={async () => { await resolveKeepMine(item); route('/outbox'); }}>{t('conflict.keepMine')}</button>
        {item.kind === 'interaction' && item.customerId && (
          <a class="btn" href={`/customers/${item.customerId}/visit?resolve=${item.client_id}`}>{t('conflict.merge')}</a>
        )}
      </div>
    </section>
  );
}
