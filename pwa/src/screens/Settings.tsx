import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { describeError } from '../components/Moments';
import { endSession, listSessions, type DeviceSession } from '../data/api';
import { PushPanel } from '../components/Push';
import { outboxState } from '../data/outbox-state';
import * as plans from '../data/plan';
import { signOut, user } from '../data/session';
import { LOCALES, dateTime, locale, setLocale, t, type Locale } from '../i18n';

export function Settings() {
  const { route } = useLocation();
  return (
    <section aria-labelledby="settings-title">
      <header class="screen-head"><h1 id="settings-title">{t('settings.title')}</h1></header>
      <div class="panel">
        <h2>{t('settings.language')}</h2>
        <div class="segmented" role="radiogroup" aria-label={t('settings.language')}>
          {(Object.keys(LOCALES) as Locale[]).map((code) => (
            <label key={code} class={locale.value === code ? 'seg-option active' : 'seg-option'}>
              <input type="radio" name="locale" value={code} checked={locale.value === code} onChange={() => setLocale(code)} />
              <span lang={code}>{LOCALES[code].label}</span>
            </label>
          ))}
        </div>
      </div>
      <PushPanel />
      {(user.value?.role === 'rm' || user.value?.role === 'lead') && <CalendarFeed />}
      <Devices />
      <div class="panel">
        <p>{t('settings.signedInAs', { name: user.value?.display_name ?? '' })}</p>
        <p class="muted">{t('settings.logoutWipes')}</p>
        <button type="button" class="btn danger wide" onClick={async () => {
          const unsent = outboxState.value.unsent + outboxState.value.problems;
          if (unsent > 0 && !window.confirm(t('settings.unsentWarning', { n: unsent }))) return;
          await signOut();
          route('/');
        }}>{t('settings.logout')}</button>
      </div>
    </section>
  );
}

/** The plan in the RM's own calendar app: a secret link, shown once, rotated or revoked here. */
function CalendarFeed() {
  const [url, setUrl] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      await action();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  const create = () => run(async () => setUrl((await plans.createFeed()).url));
  const revoke = () => run(async () => { await plans.revokeFeed(); setUrl(null); setStatus(t('feed.revoked')); });
  const copy = () => run(async () => { await navigator.clipboard.writeText(url ?? ''); setStatus(t('feed.copied')); });

  return (
    <div class="panel" data-testid="calendar-feed">
      <h2 id="feed-title">{t('feed.title')}</h2>
      <p class="muted">{t('feed.help')}</p>
      {url && (
        <div class="feed-url">
          <label class="stacked">{t('feed.url')}
            <input readOnly value={url} data-testid="feed-url" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button type="button" class="btn" disabled={busy} onClick={() => void copy()}>{t('feed.copy')}</button>
        </div>
      )}
      <div class="actions">
        <button type="button" class="btn primary" disabled={busy} onClick={() => void create()}>{url ? t('feed.rotate') : t('feed.create')}</button>
        <button type="button" class="btn danger" disabled={busy} onClick={() => void revoke()}>{t('feed.revoke')}</button>
      </div>
      {status && <p class="ok" role="status">{status}</p>}
      {error && <p class="form-error" role="alert">{error}</p>}
    </div>
  );
}

/** The phones and tablets signed in as me; any but this one can be signed out from here. */
function Devices() {
  const [devices, setDevices] = useState<DeviceSession[] | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = () => listSessions().then(setDevices, (e) => setError(describeError(e)));
  useEffect(() => { void load(); }, []);

  async function end(device: DeviceSession) {
    setError(null);
    try {
      await endSession(device.id);
      setStatus(t('devices.ended', { device: device.device || t('devices.unknown') }));
      await load();
    } catch (e) {
      setError(describeError(e));
    }
  }

  const others = devices?.filter((d) => !d.current) ?? [];
  return (
    <div class="panel" data-testid="devices">
      <h2>{t('devices.title')}</h2>
      <p class="muted">{t('devices.help')}</p>
      {devices && (
        <ul class="device-list">
          {devices.map((d) => (
            <li key={d.id} class="device">
              <div>
                <strong>{d.device || t('devices.unknown')}</strong>
                {d.current && <span class="chip">{t('devices.thisDevice')}</span>}
                <div class="muted">{t('devices.lastSeen', { when: dateTime(d.last_seen_at), ip: d.ip ?? '—' })}</div>
                <div class="muted">{t('devices.signedInAt', { when: dateTime(d.created_at) })}</div>
              </div>
              {!d.current && (
                <button type="button" class="btn danger" onClick={() => void end(d)}
                  aria-label={`${t('devices.end')}: ${d.device || t('devices.unknown')}`}>{t('devices.end')}</button>
              )}
            </li>
          ))}
        </ul>
      )}
      {devices && others.length === 0 && <p class="muted">{t('devices.none')}</p>}
      {status && <p class="ok" role="status">{status}</p>}
      {error && <p class="form-error" role="alert">{error}</p>}
    </div>
  );
}
