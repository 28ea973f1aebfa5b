import { user } from '../data/session';
import { t } from '../i18n';

/** What the tab bar leaves out (it keeps five tabs): settings, and a lead's product report. */
export function MeLinks() {
  return (
    <p class="lead-links me-links">
      {user.value?.role === 'lead' && <a href="/products" class="text-link">{t('nav.products')}</a>}
      <a href="/settings" class="text-link" data-testid="settings-link">{t('nav.settings')}</a>
    </p>
  );
}
