import { useState } from 'preact/hooks';
import { SlaLines, stateChip } from '../components/ReferralCard';
import { describeError } from '../components/Moments';
import { referralBody, type ReferralForm } from '../logic/offers';
import { useLoad } from '../components/useLoad';
import { ApiError, type Referral } from '../data/api';
import * as portfolio from '../data/portfolio';
import * as referrals from '../data/referrals';
import { locale, t } from '../i18n';

const EMPTY: ReferralForm = { who: 'customer', customerNumber: '', name: '', phone: '', contact: '', region: '', need: '', productCode: '' };

/** A referrer's home: pass an SME need to the RM who looks after it. Needs a connection. */
export function Refer() {
  const [sent, setSent] = useState<Referral | null>(null);
  return (
    <section aria-labelledby="refer-title">
      <header class="screen-head">
        <h1 id="refer-title">{t('refer.title')}</h1>
        <p class="muted">{t('refer.subtitle')}</p>
      </header>
      {sent ? <Sent referral={sent} onAnother={() => setSent(null)} /> : <ReferForm onSent={setSent} />}
    </section>
  );
}

function Sent({ referral, onAnother }: { referral: Referral; onAnother: () => void }) {
  return (
    <div class="panel sent-panel" data-testid="referral-sent" data-referral-id={referral.id}>
      <p class="ok" role="status">{referral.rm ? t('refer.sent', { rm: referral.rm.name ?? '' }) : t('refer.queued')}</p>
      <p class="chips left">{stateChip(referral.state)}</p>
      <dl class="facts compact-facts">
        <div><dt>{t('card.rm')}</dt><dd data-testid="referral-rm">{referral.rm?.name ?? t('referrals.noRm')}</dd></div>
        <div><dt>{t('referrals.need')}</dt><dd>{referral.need}</dd></div>
      </dl>
      <SlaLines referral={referral} />
      <div class="actions">
        <button type="button" class="btn primary" onClick={onAnother}>{t('refer.another')}</button>
        <a class="btn" href="/referrals">{t('refer.mine')}</a>
      </div>
    </div>
  );
}

type Errors = Record<string, string>;

function ReferForm({ onSent }: { onSent: (referral: Referral) => void }) {
  const [form, setForm] = useState<ReferralForm>(EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [products] = useLoad(() => portfolio.products(), []);
  const set = (field: keyof ReferralForm) => (e: { currentTarget: { value: string } }) => setForm({ ...form, [field]: e.currentTarget.value });

  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    const { body, errors: found } = referralBody(form);
    setErrors(Object.fromEntries(Object.entries(found).map(([f, key]) => [f, t(key)])));
    if (!body) return;
    setBusy(true);
    try {
      onSent(await referrals.refer(body));
    } catch (e) {
      if (e instanceof ApiError && e.body.fields && Object.keys(e.body.fields).length) {
        setErrors(flatten(e.body.fields));
        setFailure(e.message || t('form.fix'));
      } else {
        setFailure(describeError(e));
      }
    } finally {
      setBusy(false);
    }
  }

  const id = (field: string) => `refer-${field}`;
  const fieldError = (field: string) => errors[field] && <span class="field-error" id={id(`${field}-error`)}>{errors[field]}</span>;
  const invalid = (field: string) => ({ 'aria-invalid': Boolean(errors[field]), 'aria-describedby': errors[field] ? id(`${field}-error`) : undefined });
  const known = new Set(['customer_external_id', 'name', 'phone', 'contact', 'region', 'need', 'product_code']);
  const other = Object.entries(errors).filter(([f]) => !known.has(f));

  return (
    <form class="form panel refer-form" onSubmit={submit} noValidate data-testid="refer-form">
      <fieldset class="choices segmented-choices">
        <legend>{t('refer.who')}</legend>
        {(['customer', 'prospect'] as const).map((who) => (
          <label key={who} class={form.who === who ? 'choice active' : 'choice'}>
            <input type="radio" name="who" value={who} checked={form.who === who} onChange={() => { setErrors({}); setForm({ ...form, who }); }} />
            {who === 'customer' ? t('refer.existing') : t('refer.prospect')}
          </label>
        ))}
      </fieldset>
      {form.who === 'customer' ? (
        <label>{t('refer.customerNumber')}
          <input name="customer_external_id" autocomplete="off" autocapitalize="characters" value={form.customerNumber} required {...invalid('customer_external_id')} onInput={set('customerNumber')} />
          {fieldError('customer_external_id')}
        </label>
      ) : (
        <>
          <label>{t('refer.prospectName')}
            <input name="name" maxLength={200} value={form.name} required {...invalid('name')} onInput={set('name')} />
            {fieldError('name')}
          </label>
          <label>{t('refer.contact')}
            <input name="contact" maxLength={100} autocomplete="off" value={form.contact} {...invalid('contact')} onInput={set('contact')} />
            {fieldError('contact')}
          </label>
          <label>{t('refer.phone')}
            <input name="phone" type="tel" maxLength={40} autocomplete="off" value={form.phone} {...invalid('phone')} onInput={set('phone')} />
            {fieldError('phone')}
          </label>
          <label>{t('refer.region')}
            <input name="region" maxLength={64} value={form.region} {...invalid('region')} onInput={set('region')} />
            {fieldError('region')}
          </label>
        </>
      )}
      <label>{t('refer.need')}
        <textarea name="need" rows={3} maxLength={1000} value={form.need} required {...invalid('need')} onInput={set('need')} />
        {fieldError('need')}
      </label>
      <label>{t('refer.product')}
        <select name="product_code" value={form.productCode} {...invalid('product_code')} onChange={set('productCode')}>
          <option value="">{t('refer.noProduct')}</option>
          {products.status === 'ready' && products.value.map((p) => <option key={p.code} value={p.code}>{locale.value === 'en' ? p.name_en : p.name}</option>)}
        </select>
        {fieldError('product_code')}
      </label>
      {other.map(([f, text]) => <p key={f} class="form-error">{text}</p>)}
      {failure && <p class="form-error" role="alert">{failure}</p>}
      <button type="submit" class="btn primary" disabled={busy}>{t('refer.submit')}</button>
    </form>
  );
}

/** The server names nested fields too (prospect.name): show each by its own input. */
function flatten(fields: Record<string, unknown>, into: Errors = {}): Errors {
  for (const [field, problems] of Object.entries(fields)) {
    if (Array.isArray(problems) || typeof problems === 'string') into[field] = ([] as string[]).concat(problems as string[]).join(' ');
    else if (problems && typeof problems === 'object') flatten(problems as Record<string, unknown>, into);
  }
  return into;
}
