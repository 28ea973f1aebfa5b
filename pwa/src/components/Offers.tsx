import { useState } from 'preact/hooks';
import { ApiError, type Offer, type OfferFeedback, type PriceUnit, type Quote } from '../data/api';
import * as offers from '../data/offers';
import { outboxState } from '../data/outbox-state';
import { user } from '../data/session';
import { dayOf, locale, money, rate, t, tCode, type MessageKey } from '../i18n';
import { ReasonChips } from './Chips';
import { describeError } from './Moments';
import { canQuote, feedbackActions, isPriced, overlayOffers, parseNumber, parsePrice, priceInput, type FeedbackState, type ShownOffer } from '../logic/offers';
import { useLoad } from './useLoad';
import { FormActions } from './FormActions';

/** A price in its unit: a yearly rate as a percentage, a fee as money a month. */
export function priceText(value: number | null | undefined, unit: PriceUnit): string {
  if (value == null) return '—';
  return unit === 'rate' ? rate(value) : t('offers.perMonth', { amount: money(value) });
}

export function productName(product: { name: string; name_en: string }): string {
  return locale.value === 'en' ? product.name_en || product.name : product.name;
}

/** The customer's next best products: from the card when it has them, else asked for (online). */
export function Offers({ customerId, customerName, offers: fromCard }: { customerId: number; customerName: string; offers: Offer[] | undefined }) {
  const [loaded] = useLoad(() => (fromCard ? Promise.resolve(fromCard) : offers.offersOf(customerId)), [customerId, fromCard]);
  return (
    <section aria-labelledby="offers-title" class="panel" data-testid="offers">
      <h2 id="offers-title">{t('offers.title')}</h2>
      {loaded.status === 'loading' && <p class="muted">{t('state.loading')}</p>}
      {loaded.status === 'error' && <p class="muted">{loaded.message === t('state.offline') ? t('state.needsOnline') : loaded.message}</p>}
      {loaded.status === 'ready' && <OfferList customerId={customerId} customerName={customerName} offers={loaded.value} />}
    </section>
  );
}

function OfferList({ customerId, customerName, offers: list }: { customerId: number; customerName: string; offers: Offer[] }) {
  const shown = overlayOffers(list, outboxState.value.items, offers.recent, customerId);
  if (shown.length === 0) return <p class="muted">{t('offers.empty')}</p>;
  return (
    <ul class="plain">
      {shown.map((o) => <OfferRow key={o.id} offer={o} customerId={customerId} customerName={customerName} />)}
    </ul>
  );
}

const BUTTON: Record<FeedbackState, MessageKey> = {
  presented: 'offers.presented', accepted: 'offers.accepted', declined: 'offers.declined', sold: 'offers.sold',
};

function OfferRow({ offer, customerId, customerName }: { offer: ShownOffer; customerId: number; customerName: string }) {
  const [mode, setMode] = useState<'declined' | 'sold' | 'quote' | null>(null);
  const [reason, setReason] = useState('');
  const [amount, setAmount] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [quoted, setQuoted] = useState<Quote | null>(null);
  const name = productName(offer.product);
  const isRm = user.value?.role === 'rm';
  const actions = isRm ? feedbackActions(offer.state) : [];
  const price = isPriced(offer.price) ? offer.price : null;

  async function send(change: OfferFeedback) {
    setError(null);
    try {
      await offers.giveFeedback(offer, customerId, change, `${customerName} · ${name}`);
      setMode(null);
    } catch (e) {
      setError(describeError(e));
    }
  }

  function toggle(next: 'declined' | 'sold' | 'quote') {
    setError(null);
    setMode(mode === next ? null : next);
  }

  function submitDecline(event: Event) {
    event.preventDefault();
    if (!reason.trim()) return setError(t('visit.needReason'));
    void send({ state: 'declined', reason: reason.trim() });
  }

  function submitSold(event: Event) {
    event.preventDefault();
    const value = parseNumber(amount);
    if (value == null || value <= 0) return setError(t('offers.needAmount'));
    void send({ state: 'sold', amount: Math.round(value * 100) / 100 });
  }

  return (
    <li class="offer" data-testid="offer" data-offer-id={offer.id} data-state={offer.state} data-unsent={offer.unsent ? 'true' : 'false'}>
      <span class="line-item">
        <strong>{name}</strong>
        <span class="chips">
          <span class={`chip offer-${offer.state}`} data-testid="offer-state">{tCode('offerState', offer.state)}</span>
          {offer.unsent && !offer.problem && <span class="chip unsent-chip" data-testid="offer-unsent">{t('card.unsent')}</span>}
          {offer.problem && <a class="chip problem-chip" href="/outbox">{t(`outbox.${offer.problem}` as MessageKey)}</a>}
        </span>
      </span>
      <p class="row-sub">{t('offers.expectedValue')}: <span class="amount">{money(offer.expected_value)}</span></p>
      <ReasonChips reasons={offer.reasons} />
      {price && (
        <dl class="figures compact price" data-testid="offer-price" aria-label={t('offers.price')}>
          <div><dt>{t('offers.list')}</dt><dd>{priceText(price.list, price.unit)}</dd></div>
          <div><dt>{t('offers.suggested')}</dt><dd>{priceText(price.suggested, price.unit)}</dd></div>
          {price.band && <div><dt>{t('offers.band')}</dt><dd data-testid="offer-band">{t('offers.range', { min: priceText(price.band.min, price.unit), max: priceText(price.band.max, price.unit) })}</dd></div>}
          <div><dt>{t('offers.floor')}</dt><dd>{priceText(price.floor, price.unit)}</dd></div>
        </dl>
      )}
      {price?.pd_default && price.unit === 'rate' && price.pd != null && <p class="row-sub">{t('offers.pdDefault', { pd: rate(price.pd) })}</p>}
      {quoted && <QuoteResult quote={quoted} />}
      {(actions.length > 0 || (price && canQuote(offer, user.value?.role))) && (
        <div class="offer-actions">
          {actions.map((state) => (state === 'declined' || state === 'sold' ? (
            <button key={state} type="button" class="btn small-action" aria-expanded={mode === state} onClick={() => toggle(state)} aria-label={`${t(BUTTON[state])}: ${name}`}>{t(BUTTON[state])}</button>
          ) : (
            <button key={state} type="button" class={state === 'accepted' ? 'btn small-action primary' : 'btn small-action'} onClick={() => void send({ state })} aria-label={`${t(BUTTON[state])}: ${name}`}>{t(BUTTON[state])}</button>
          )))}
          {price && canQuote(offer, user.value?.role) && (
            <button type="button" class="btn small-action" aria-expanded={mode === 'quote'} onClick={() => toggle('quote')} aria-label={`${t('quote.open')}: ${name}`}>{t('quote.open')}</button>
          )}
        </div>
      )}
      {mode === 'declined' && (
        <form class="inline-form" onSubmit={submitDecline} noValidate>
          <label>{t('offers.declineReason')}
            <input name="reason" maxLength={200} value={reason} required onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
          <FormActions error={error} onCancel={() => setMode(null)} />
        </form>
      )}
      {mode === 'sold' && (
        <form class="inline-form" onSubmit={submitSold} noValidate>
          <label>{t('offers.soldAmount')}
            <input name="amount" type="number" inputMode="decimal" min={0} step="0.01" value={amount} required onInput={(e) => setAmount(e.currentTarget.value)} />
          </label>
          <FormActions error={error} onCancel={() => setMode(null)} />
        </form>
      )}
      {mode === 'quote' && price && (
        <QuoteForm offer={offer} unit={price.unit} suggested={price.suggested} band={price.band} onCancel={() => setMode(null)} onQuoted={(q) => { setQuoted(q); setMode(null); }} />
      )}
      {mode === null && error && <p class="form-error" role="alert">{error}</p>}
    </li>
  );
}

function QuoteResult({ quote }: { quote: Quote }) {
  const price = priceText(quote.price, quote.unit);
  if (quote.state === 'approved') return <p class="ok" role="status" data-testid="quote-result" data-state={quote.state}>{t('quote.approved', { price, date: dayOf(quote.expires_at) })}</p>;
  if (quote.state === 'pending_approval') return <p class="warn" role="status" data-testid="quote-result" data-state={quote.state}>{t('quote.pending', { price })}</p>;
  return <p class="row-sub" role="status" data-testid="quote-result" data-state={quote.state}>{t('quote.other', { price, state: tCode('quoteState', quote.state) })}</p>;
}

type Errors = Record<string, string>;

/** A price for this customer: inside the RM's band it is approved at once, else the lead decides. Needs a connection. */
function QuoteForm({ offer, unit, suggested, band, onCancel, onQuoted }: {
  offer: Offer; unit: PriceUnit; suggested: number; band: { min: number; max: number } | undefined;
  onCancel: () => void; onQuoted: (quote: Quote) => void;
}) {
  const [text, setText] = useState(priceInput(suggested, unit));
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = (field: string) => `quote-${offer.id}-${field}`;

  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    const price = parsePrice(text, unit);
    if (price == null || price <= 0) {
      setErrors({ price: t('quote.needPrice') });
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      onQuoted(await offers.quote({ offer_id: offer.id, price, ...(note.trim() ? { note: note.trim() } : {}) }));
    } catch (e) {
      if (e instanceof ApiError && e.body.fields && Object.keys(e.body.fields).length) {
        setErrors(Object.fromEntries(Object.entries(e.body.fields).map(([f, problems]) => [f, ([] as string[]).concat(problems).join(' ')])));
        setFailure(e.message || t('form.fix'));
      } else {
        setFailure(describeError(e));
      }
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (field: string) => errors[field] && <span class="field-error" id={id(`${field}-error`)}>{errors[field]}</span>;
  const described = (field: string, more?: string) => [errors[field] ? id(`${field}-error`) : '', more ?? ''].filter(Boolean).join(' ') || undefined;
  const other = Object.entries(errors).filter(([f]) => f !== 'price' && f !== 'note');

  return (
    <form class="inline-form" onSubmit={submit} noValidate data-testid="quote-form">
      <label>{unit === 'rate' ? t('quote.rate') : t('quote.fee')}
        <input type="number" name="price" inputMode="decimal" min={0} step={unit === 'rate' ? '0.01' : '1'} value={text} required
          aria-invalid={Boolean(errors.price)} aria-describedby={described('price', band ? id('band') : undefined)} onInput={(e) => setText(e.currentTarget.value)} />
        {fieldError('price')}
      </label>
      {band && <p class="row-sub" id={id('band')}>{t('quote.bandHelp', { min: priceText(band.min, unit), max: priceText(band.max, unit) })}</p>}
      <label>{t('quote.note')}
        <textarea name="note" rows={2} maxLength={500} value={note} aria-invalid={Boolean(errors.note)} aria-describedby={described('note')} onInput={(e) => setNote(e.currentTarget.value)} />
        {fieldError('note')}
      </label>
      {other.map(([f, message]) => <p key={f} class="form-error">{message}</p>)}
      {failure && <p class="form-error" role="alert">{failure}</p>}
      <div class="actions">
        <button type="submit" class="btn primary" disabled={busy}>{t('quote.submit')}</button>
        <button type="button" class="btn" onClick={onCancel}>{t('visit.cancel')}</button>
      </div>
    </form>
  );
}
