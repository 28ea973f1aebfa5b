import { useLocation, useRoute } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Product } from '../data/api';
import type { OutboxItem } from '../data/db';
import { newClientId, get as getOutboxItem } from '../data/outbox';
import { resolveKeepMine, save } from '../data/outbox-state';
import { logContact } from '../data/contacts';
import { localInputValue, withOffset } from '../data/time';
import * as portfolio from '../data/portfolio';
import { locale, serverTime, t, tCode } from '../i18n';

const CHANNELS = ['visit', 'call', 'video', 'message', 'email'] as const;
const OUTCOMES = ['reached', 'interested', 'sale', 'follow_up', 'declined', 'not_reached', 'complaint', 'info'] as const;
const ANSWERS = ['interested', 'accepted', 'declined'] as const;

// '' is "not discussed": the offer the form starts with counts only once the RM answers it
type Discussed = { product_code: string; answer: (typeof ANSWERS)[number] | ''; reason?: string };

const knownChannel = (value: unknown) => (CHANNELS as readonly string[]).includes(String(value)) ? String(value) : 'visit';

export function Visit() {
  const { params, query } = useRoute();
  const { route } = useLocation();
  const customerId = Number(params.id);
  const [products, setProducts] = useState<Product[]>([]);
  // opened from a plan entry: it starts from the entry's channel and offer, and closes the entry
  const planEntryId = Number(query.entry) || null;
  const [channel, setChannel] = useState<string>(() => knownChannel(query.channel));
  const [outcome, setOutcome] = useState<string>(''); // chosen, never assumed
  const [when, setWhen] = useState(localInputValue(new Date()));
  const [discussed, setDiscussed] = useState<Discussed[]>(() => (query.offer ? [{ product_code: String(query.offer), answer: '' }] : []));
  const [notes, setNotes] = useState('');
  const [followUp, setFollowUp] = useState('');
  const [followUpObjective, setFollowUpObjective] = useState('');
  const [withLocation, setWithLocation] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // one form, one write: its id is made when the form opens, so a second tap on Save (or a
  // resend) is the same write, which the outbox and the server keep once
  const [clientId] = useState(newClientId);
  const saving = useRef(false);
  const [busy, setBusy] = useState(false);
  const resolving = query.resolve as string | undefined;
  // editing: the visit it replaces, and where the version being edited is: on the server
  // (from=server, version=N) or an unsent write in the outbox (from=<its client id>)
  const editing = query.edit as string | undefined;
  const [editedItem, setEditedItem] = useState<OutboxItem | null>(null);

  function fill(b: Record<string, any>) {
    setChannel(b.channel); setOutcome(b.outcome); setNotes(b.notes ?? '');
    setDiscussed(b.products_discussed ?? []); setFollowUp(b.follow_up_on ?? '');
    setFollowUpObjective(b.follow_up_objective ?? '');
    const started = String(b.started_at);
    setWhen(localInputValue(serverTime(started)));
  }

  useEffect(() => {
    void portfolio.products().then(setProducts);
    if (resolving) {
      // merging a conflict by hand: start from my version
      void getOutboxItem(resolving).then((item) => item && fill(item.body));
    } else if (editing && query.from === 'server') {
      void portfolio.card(customerId).then(({ data }) => {
        const visit = data.interactions.find((i) => i.client_id === editing);
        if (visit) fill(visit);
      });
    } else if (editing && query.from) {
      void getOutboxItem(String(query.from)).then((item) => {
        if (!item) return;
        setEditedItem(item);
        fill(item.body);
      });
    }
  }, [resolving, editing]);

  async function location(): Promise<Record<string, number> | null> {
    if (!withLocation || !navigator.geolocation) return null;
    return new Promise((resolve) => navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: p.coords.accuracy }),
      () => resolve(null), { timeout: 5000, maximumAge: 60_000 }));
  }

  /** The version an edit is made on. Of an unsent edit: the version that edit was made on
   * (the outbox replaces it, see outbox.enqueueReplacing); of an unsent new visit: 1, which
   * it creates; of the server's copy: its version. */
  function editBase(): number {
    if (editedItem) return editedItem.body.replaces ? Number(editedItem.base_version ?? 1) : 1;
    return Number(query.version ?? 1);
  }

  async function submit(event: Event) {
    event.preventDefault();
    if (saving.current) return; // a double tap: the first save is under way
    if (!outcome) {
      setError(t('visit.needOutcome'));
      document.querySelector<HTMLInputElement>('input[name=outcome]')?.focus();
      return;
    }
    if (discussed.some((d) => d.answer === 'declined' && !d.reason?.trim())) {
      setError(t('visit.needReason'));
      return;
    }
    saving.current = true;
    setBusy(true);
    try {
      await store();
      // from Today, back to Today: the entry shows done, and Undo is at hand
      route(planEntryId && !editing && !resolving ? '/' : `/customers/${customerId}`, true);
    } finally {
      saving.current = false;
      setBusy(false);
    }
  }

  async function store() {
    const body = {
      customer_id: customerId, channel, outcome, started_at: withOffset(when), notes: notes || null,
      // an answer-less row is the offer the form started with, not discussed
      products_discussed: discussed.filter((d) => d.answer).map((d) => (d.answer === 'declined' ? d : { product_code: d.product_code, answer: d.answer })),
      follow_up_on: followUp || null, follow_up_objective: followUpObjective || null,
      location: await location(), plan_entry_id: planEntryId,
    };
    const label = String(query.name ?? '');
    if (resolving) {
      const item = await getOutboxItem(resolving);
      if (item) await resolveKeepMine(item, { ...item.body, ...body });
    } else if (editing) {
      await save({ client_id: clientId, kind: 'interaction', body: { ...body, replaces: editing }, base_version: editBase(), customerId, label }, editedItem?.client_id);
    } else {
      await logContact(body, label, t('visit.saved', { name: label || tCode('channel', channel) }), clientId);
    }
  }

  const update = (i: number, change: Partial<Discussed>) => setDiscussed(discussed.map((d, j) => (j === i ? { ...d, ...change } : d)));
  const productName = (p: Product) => (locale.value === 'en' ? p.name_en : p.name);

  return (
    <form class="panel form visit-form" onSubmit={submit} aria-labelledby="visit-title">
      <h1 id="visit-title">{resolving || editing ? t('visit.editTitle') : t('visit.title')}</h1>
      {query.name && <p class="muted">{query.name}</p>}
      <fieldset class="choices">
        <legend>{t('visit.channel')}</legend>
        {CHANNELS.map((c) => (
          <label key={c} class={channel === c ? 'choice active' : 'choice'}>
            <input type="radio" name="channel" value={c} checked={channel === c} onChange={() => setChannel(c)} />
            {tCode('channel', c)}
          </label>
        ))}
      </fieldset>
      <fieldset class="choices">
        <legend>{t('visit.outcome')}</legend>
        {OUTCOMES.map((o) => (
          <label key={o} class={outcome === o ? 'choice active' : 'choice'}>
            <input type="radio" name="outcome" value={o} checked={outcome === o} onChange={() => { setOutcome(o); setError(null); }} />
            {tCode('outcome', o)}
          </label>
        ))}
      </fieldset>
      <label>{t('visit.when')}
        <input type="datetime-local" name="started_at" value={when} required onInput={(e) => setWhen(e.currentTarget.value)} />
      </label>
      <fieldset class="products">
        <legend>{t('visit.products')}</legend>
        {discussed.map((d, i) => (
          <div class="discussed" key={i}>
            <label>{t('visit.product')}
              <select value={d.product_code} onChange={(e) => update(i, { product_code: e.currentTarget.value })}>
                {products.map((p) => <option key={p.code} value={p.code}>{productName(p)}</option>)}
              </select>
            </label>
            <label>{t('visit.answer')}
              <select value={d.answer} onChange={(e) => update(i, { answer: e.currentTarget.value as Discussed['answer'] })}>
                {!d.answer && <option value="">{t('visit.notDiscussed')}</option>}
                {ANSWERS.map((a) => <option key={a} value={a}>{tCode('answer', a)}</option>)}
              </select>
            </label>
            {d.answer === 'declined' && (
              <label>{t('visit.reason')}
                <input value={d.reason ?? ''} onInput={(e) => update(i, { reason: e.currentTarget.value })} />
              </label>
            )}
            <button type="button" class="btn small-inline" onClick={() => setDiscussed(discussed.filter((_, j) => j !== i))}>{t('visit.remove')}</button>
          </div>
        ))}
        {products.length > 0 && (
          <button type="button" class="btn" onClick={() => setDiscussed([...discussed, { product_code: products[0].code, answer: 'interested' }])}>{t('visit.addProduct')}</button>
        )}
      </fieldset>
      <label>{t('visit.notes')}
        <textarea name="notes" rows={4} maxLength={4000} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
      </label>
      <label>{t('visit.followUp')}
        <input type="date" name="follow_up_on" value={followUp} onInput={(e) => setFollowUp(e.currentTarget.value)} />
      </label>
      <label>{t('visit.followUpObjective')}
        <input name="follow_up_objective" maxLength={200} value={followUpObjective} onInput={(e) => setFollowUpObjective(e.currentTarget.value)} />
      </label>
      <label class="check">
        <input type="checkbox" checked={withLocation} onChange={(e) => setWithLocation(e.currentTarget.checked)} />
        {t('visit.location')}
      </label>
      {error && <p class="form-error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="btn primary" disabled={busy} aria-busy={busy}>{t('visit.save')}</button>
        <button type="button" class="btn" onClick={() => history.back()}>{t('visit.cancel')}</button>
      </div>
    </form>
  );
}
