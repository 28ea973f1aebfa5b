import { useState } from 'preact/hooks';
import { ApiError, OfflineError } from '../data/api';
import { idle } from '../data/idle';
import { waiting } from '../data/outbox-state';
import { signIn } from '../data/session';
import { prepareFormats, t } from '../i18n';

export function Login() {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(username.trim(), password);
      void idle().then(prepareFormats); // Today's dates, while its plan is on the way
    } catch (e) {
      if (e instanceof OfflineError) setError(t('login.offline'));
      else if (e instanceof ApiError && e.status === 429) setError(t('login.rateLimited'));
      else setError(t('login.failed'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="login" id="main">
      <img src="/icons/icon-192.png" alt="" width="72" height="72" />
      <h1>{t('app.name')}</h1>
      <p class="muted">{t('login.subtitle')}</p>
      {waiting.value.map(({ owner, count }) => (
        <p key={owner?.id ?? 0} class="notice" role="status" data-testid="waiting-writes" data-count={count}>
          {owner?.name ? t('login.waiting', { n: count, name: owner.name }) : t('login.waitingUnknown', { n: count })}
        </p>
      ))}
      <form onSubmit={submit} class="card form" aria-label={t('login.title')}>
        <label>
          {t('login.username')}
          <input name="username" autocomplete="username" autocapitalize="none" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <button type="submit" class="btn primary" disabled={busy}>{busy ? t('login.busy') : t('login.submit')}</button>
      </form>
    </main>
  );
}
