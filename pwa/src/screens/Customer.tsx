import { useRoute } from 'preact-iso';
import { BalanceChart } from '../components/BalanceChart';
import { Chips } from '../components/Chips';
import { Focus } from '../components/Focus';
import { visitHref } from '../components/PlanEntryCard';
import { isOpen } from '../logic/plan';
import { displayName } from '../components/CustomerRow';
import { Moments } from '../components/Moments';
import { Offers, productName } from '../components/Offers';
import { RiskCases } from '../components/RiskCases';
import { AsOf, ErrorState, Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import type { Card } from '../data/api';
import type { OutboxItem } from '../data/db';
import { outboxState, syncedAt } from '../data/outbox-state';
import { callStarted } from '../data/contacts';
import * as portfolio from '../data/portfolio';
import { user } from '../data/session';
import { dateTime, day, locale, money, num, t, tCode } from '../i18n';
import { CustomerList } from './Customers';

export function Customer() {
  const { params } = useRoute();
  const id = Number(params.id);
  return (
    <div class="split">
      <div class="split-list"><CustomerList selectedId={id} /></div>
      <div class="split-detail"><CustomerCard id={id} /></div>
    </div>
  );
}

function CustomerCard({ id }: { id: number }) {
  const [state, reload] = useLoad(() => portfolio.card(id), [id, syncedAt.value]);
  if (state.status === 'loading') return <Skeleton rows={8} />;
  if (state.status === 'error') {
    const message = state.code === 404 ? t('card.notFound') : state.message === t('state.offline') ? t('card.notCached') : t('state.error', { detail: state.message });
    return <ErrorState message={message} onRetry={state.code === 404 ? undefined : reload} />;
  }
  const { data: card, asOf, offline } = state.value;
  // a contact logged from the card meets today's entry, as one logged from Today does
  const openEntry = card.plan_entry && isOpen(card.plan_entry) && card.plan_entry.rm?.id === user.value?.id ? card.plan_entry : null;
  return (
    <article class="card360" aria-labelledby="card-title" lang={locale.value}>
      <header class="card-head">
        <a href="/customers" class="back" onClick={(e) => { if (history.length > 1) { e.preventDefault(); history.back(); } }}>‹ {t('card.back')}</a>
        <h1 id="card-title">{displayName(card)}</h1>
        <p class="muted">{card.external_id} · {tCode('industry', card.industry)} · {card.region}</p>
        <Chips segment={card.segment} tier={card.tier} status={card.status} />
        <AsOf asOf={asOf} offline={offline} />
        <div class="actions">
          <a class="btn primary" href={openEntry ? visitHref(openEntry, displayName(card)) : `/customers/${card.id}/visit?name=${encodeURIComponent(displayName(card))}`}>{t('visit.log')}</a>
          {card.phone && <a class="btn" href={`tel:${card.phone}`} onClick={() => callStarted(card.id, displayName(card), openEntry?.id ?? null)}>{t('card.call')}</a>}
          {card.email && <a class="btn" href={`mailto:${card.email}`}>{t('card.email')}</a>}
        </div>
      </header>
      <Focus card={card} />
      <Facts card={card} />
      {card.moments && <Moments moments={card.moments} onChanged={reload} />}
      <RiskCases customerId={card.id} cases={card.risk_cases} onChanged={reload} />
      <Offers customerId={card.id} customerName={displayName(card)} offers={card.offers} />
      {card.package && <PackagePanel pack={card.package} />}
      {card.related_needs && card.related_needs.length > 0 && <RelatedNeeds needs={card.related_needs} />}
      <section aria-labelledby="chart-title" class="panel">
        <h2 id="chart-title">{t('card.balanceChart')}</h2>
        <BalanceChart months={card.series.months} deposits={card.series.deposit_balance} credit={card.series.credit_balance} />
      </section>
      <Scores card={card} />
      <Products card={card} />
      <Related card={card} />
      <Contacts card={card} />
      <Transactions card={card} />
    </article>
  );
}

function Facts({ card }: { card: Card }) {
  const deposits = card.accounts.filter((a) => !a.product.is_credit && a.product.family === 'deposit').reduce((s, a) => s + a.balance, 0);
  const credit = card.accounts.filter((a) => a.product.is_credit).reduce((s, a) => s + a.balance, 0);
  const owner = locale.value === 'en' && card.owner.name_en ? card.owner.name_en : card.owner.name;
  return (
    <section aria-labelledby="facts-title" class="panel">
      <h2 id="facts-title">{t('card.figures')}</h2>
      <dl class="figures">
        {/* key figures at a glance, in 万 (compact); the lists below give full amounts */}
        <div><dt>{t('card.deposits')}</dt><dd title={money(deposits)}>{money(deposits, true)}</dd></div>
        <div><dt>{t('card.credit')}</dt><dd title={money(credit)}>{money(credit, true)}</dd></div>
        <div><dt>{t('card.revenue12')}</dt><dd title={money(card.profitability.revenue)}>{money(card.profitability.revenue, true)}</dd></div>
        <div><dt>{t('card.margin12')}</dt><dd class={card.profitability.margin < 0 ? 'neg' : ''} title={money(card.profitability.margin)}>{money(card.profitability.margin, true)}</dd></div>
        <div><dt>{t('card.satisfaction')}</dt><dd data-testid="satisfaction">{card.satisfaction?.index == null ? '—' : `${Math.round(card.satisfaction.index)} / 100 (${card.satisfaction.responses})`}</dd></div>
      </dl>
      <dl class="facts">
        <div><dt>{t('card.owner')}</dt><dd>{owner ?? '—'}</dd></div>
        <div><dt>{t('card.rm')}</dt><dd>{card.rm?.name ?? '—'}</dd></div>
        <div><dt>{t('card.employees')}</dt><dd>{num(card.employees)}</dd></div>
        <div><dt>{t('card.founded')}</dt><dd>{day(card.founded_on)}</dd></div>
      </dl>
    </section>
  );
}

const SHARES = new Set(['attrition', 'repayment', 'risk', 'activity']);

function scoreName(score: Card['scores'][number]): string {
  const [family, code] = score.model.split(':');
  if (family !== 'propensity') return tCode('model', family);
  const product = score.product ? (locale.value === 'en' ? score.product.name_en : score.product.name) : code;
  return t('model.propensity', { product: product ?? '' });
}

function scoreValue(model: string, value: number): string | null {
  if (model === 'preference' || model === 'segment' || model === 'tier') return null; // the band says it
  if (SHARES.has(model) || model.startsWith('propensity:')) return `${Math.round(value * 1000) / 10}%`;
  return model === 'value' ? money(value) : num(Math.round(value * 10) / 10);
}

function bandLabel(model: string, band: string): string {
  if (model === 'segment' || model === 'tier') return tCode(model, band);
  const at = /^(\w+)@(\d+)$/.exec(band);
  if (at) return t('band.at', { channel: tCode('channel', at[1]), hour: at[2] });
  return tCode('band', band);
}

/** Every model's score and reasons: for whoever wants to look, behind a drawer (the card's
 * first screens carry what the RM acts on). */
function Scores({ card }: { card: Card }) {
  return (
    <details class="panel model-details" data-testid="model-details">
      <summary><h2 id="scores-title">{t('card.modelDetails', { n: card.scores.length })}</h2></summary>
      {card.scores.length === 0 ? <p class="muted">{t('card.noScores')}</p> : (
        <ul class="plain" data-testid="scores" aria-labelledby="scores-title">
          {card.scores.map((s) => (
            <li key={s.model} class="score">
              <span class="line-item">
                <strong>{scoreName(s)}</strong>
                <span><span class="amount">{scoreValue(s.model, s.value)}</span> <span class="chip">{bandLabel(s.model, s.band)}</span></span>
              </span>
              {s.change != null && s.change !== 0 && scoreValue(s.model, 0) != null && (
                <span class="row-sub">{t('card.change', { sign: s.change > 0 ? '+' : '−', change: scoreValue(s.model, Math.abs(s.change)) ?? '' })}</span>
              )}
              {s.reasons.length > 0 && (
                <span class="row-sub">{s.reasons.slice(0, 3).map((r) => (locale.value === 'en' ? r.en : r.zh)).join(' · ')}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

function Products({ card }: { card: Card }) {
  return (
    <section aria-labelledby="products-title" class="panel">
      <h2 id="products-title">{t('card.products')}</h2>
      {card.accounts.length === 0 ? <p class="muted">{t('card.noProducts')}</p> : (
        <ul class="plain">
          {card.accounts.map((a) => (
            <li key={a.id} class="line-item">
              <span>
                <strong>{locale.value === 'en' ? a.product.name_en : a.product.name}</strong>
                <span class="row-sub">
                  {a.limit != null && t('card.limit', { amount: money(a.limit, true) })}
                  {a.maturity_on && ` ${t('card.matures', { date: day(a.maturity_on) })}`}
                  {a.days_overdue > 0 && <span class="warn"> {t('card.overdue', { n: a.days_overdue })}</span>}
                </span>
              </span>
              <span class="amount">{money(a.balance)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Related({ card }: { card: Card }) {
  return (
    <section aria-labelledby="related-title" class="panel">
      <h2 id="related-title">{t('card.related')}</h2>
      {card.related_parties.length === 0 ? <p class="muted">{t('card.noRelated')}</p> : (
        <ul class="plain">
          {card.related_parties.map((p) => (
            <li key={`${p.id}-${p.kind}`} class="line-item">
              {p.customer ? (
                <a href={`/customers/${p.customer.id}`} class="party-link" data-testid="related-link">{displayName({ name: p.name ?? '', name_en: p.name_en })}</a>
              ) : (
                <span>{displayName({ name: p.name ?? '', name_en: p.name_en })}{p.type === 'customer' && <span class="row-sub">{t('card.otherPortfolio')}</span>}</span>
              )}
              <span class="chip">{tCode('party', p.kind)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PackagePanel({ pack }: { pack: NonNullable<Card['package']> }) {
  const hint = pack.suggestion;
  return (
    <section aria-labelledby="package-title" class="panel" data-testid="package">
      <h2 id="package-title">{t('package.title')}</h2>
      <dl class="facts">
        <div><dt>{t('package.tier')}</dt><dd>{tCode('tier', pack.tier)}</dd></div>
        <div><dt>{t('package.fee')}</dt><dd>{pack.fee === 0 ? t('package.noFee') : money(pack.fee)}</dd></div>
      </dl>
      {hint && (
        <p class="package-hint" data-testid="package-suggestion">
          {hint.saving > 0
            ? t('package.saves', { tier: tCode('tier', hint.tier), amount: money(hint.saving) })
            : t('package.sameFee', { tier: tCode('tier', hint.tier) })}
        </p>
      )}
    </section>
  );
}

function RelatedNeeds({ needs }: { needs: NonNullable<Card['related_needs']> }) {
  // a party outside the portfolio shows only its relation and the need, never who it is
  return (
    <section aria-labelledby="needs-title" class="panel" data-testid="related-needs">
      <h2 id="needs-title">{t('needs.title')}</h2>
      <ul class="plain">
        {needs.map((n) => (
          <li key={`${n.party_id}-${n.kind}`} class="need" data-testid="related-need">
            <span class="line-item">
              <span>
                <span class="chip">{tCode('party', n.kind)}</span> <strong>{productName(n.product)}</strong>
              </span>
              {n.referral && (
                <span class="chip referral-chip">{t('needs.referral')}{n.line !== 'sme' && ` · ${tCode('needLine', n.line)}`}</span>
              )}
            </span>
            <span class="row-sub">{locale.value === 'en' ? n.en : n.zh}</span>
            {n.customer && <a href={`/customers/${n.customer.id}`} class="party-link">{n.customer.name}</a>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Contacts({ card }: { card: Card }) {
  // one line per visit: an unsent edit stands in for the version it replaces
  const latest = new Map<string, OutboxItem>();
  for (const item of outboxState.value.items) {
    if (item.kind !== 'interaction' || item.customerId !== card.id) continue;
    latest.set((item.body.replaces as string | null) ?? item.client_id, item);
  }
  const unsent = [...latest.values()];
  const editedOnDevice = new Set(latest.keys());
  return (
    <section aria-labelledby="contacts-title" class="panel">
      <h2 id="contacts-title">{t('card.contacts')}</h2>
      {unsent.length > 0 && (
        <ol class="plain timeline unsent" data-testid="unsent-contacts">
          {unsent.map((i) => (
            <li key={i.client_id}>
              <span class="row-title">{tCode('channel', String(i.body.channel))} · {tCode('outcome', String(i.body.outcome))} <span class="chip">{t('card.unsent')}</span></span>
              <span class="row-sub">{dateTime(String(i.body.started_at))}</span>
              {i.body.notes ? <span class="note">{String(i.body.notes)}</span> : null}
              {i.state === 'pending' && <a class="edit-link" href={`/customers/${card.id}/visit?edit=${(i.body.replaces as string | null) ?? i.client_id}&from=${i.client_id}`}>{t('visit.edit')}</a>}
            </li>
          ))}
        </ol>
      )}
      {card.interactions.length === 0 && unsent.length === 0 ? <p class="muted">{t('card.noContacts')}</p> : (
        <ol class="plain timeline" data-testid="server-contacts">
          {card.interactions.map((i) => (
            <li key={i.id}>
              <span class="row-title">{tCode('channel', i.channel)} · {tCode('outcome', i.outcome)}</span>
              <span class="row-sub">{dateTime(i.started_at)} · {i.rm.name}</span>
              {i.notes && <span class="note">{i.notes}</span>}
              {editedOnDevice.has(i.client_id) && <span class="chip">{t('card.unsent')}</span>}
              {i.rm.id === user.value?.id && !editedOnDevice.has(i.client_id) && <a class="edit-link" href={`/customers/${card.id}/visit?edit=${i.client_id}&version=${i.version}&from=server`}>{t('visit.edit')}</a>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Transactions({ card }: { card: Card }) {
  return (
    <section aria-labelledby="tx-title" class="panel">
      <h2 id="tx-title">{t('card.transactions')}</h2>
      <p class="row-sub">{t('card.channelMix')}: {card.channel_mix.map((m) => `${tCode('channel', m.channel)} ${Math.round(m.share * 100)}%`).join(' · ')}</p>
      <ul class="plain">
        {card.transactions.slice(0, 10).map((x) => (
          <li key={x.id} class="line-item">
            <span>
              <span class="row-title">{locale.value === 'en' ? x.product.name_en : x.product.name}</span>
              <span class="row-sub">{dateTime(x.posted_at)} · {tCode('channel', x.channel)}</span>
            </span>
            <span class={x.amount < 0 ? 'amount neg' : 'amount'}>{money(x.amount)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
