import { useLocation } from 'preact-iso';
import { outboxState } from '../data/outbox-state';
import { signOut, user } from '../data/session';
import { LOCALES, locale, setLocale, t, type Locale } from '../i18n';

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
