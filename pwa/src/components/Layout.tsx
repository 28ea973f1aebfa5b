import type { ComponentChildren } from 'preact';
import { useLocation } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { dateTime, t, type MessageKey } from '../i18n';
import { CallResultSheet, NoticeBar } from './ContactLoop';
import { unread, watchUnread } from '../data/alerts';
import { outboxState } from '../data/outbox-state';
import { online } from '../data/network';
import { user } from '../data/session';
import { applyUpdate, pendingNavigation, updateReady } from '../data/sw-register';

type NavItem = { href: string; key: MessageKey; icon: string; roles: readonly string[]; badge?: boolean; also?: readonly string[] };

const PORTFOLIO = ['rm', 'lead'] as const;
const EVERYONE = ['rm', 'lead', 'analyst', 'admin', 'referrer'] as const;

const ICON = {
  chart: 'M4 20V10h3v10H4zm6.5 0V4h3v16h-3zM17 20v-7h3v7h-3z',
  team: 'M9 12a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm7.5 0a3.5 3.5 0 1 0-3.5-3.5 3.5 3.5 0 0 0 3.5 3.5zM9 14c-3 0-8 1.5-8 4.5V21h16v-2.5C17 15.5 12 14 9 14zm7.5 0c-.4 0-.9 0-1.4.1A5.4 5.4 0 0 1 19 18.5V21h4v-2.5c0-3-4.5-4.5-6.5-4.5z',
  products: 'M12 2 3 6.5v11L12 22l9-4.5v-11zm0 2.2 6.5 3.3L12 10.8 5.5 7.5zM5 9.2l6 3v7.4l-6-3zm8 10.4v-7.4l6-3v7.4z',
};

// at most five tabs for any role; settings (and a lead's product report) sit under "me" or the
// team, reached from a link at the top of those screens (MeLinks)
const NAV: readonly NavItem[] = [
  { href: '/', key: 'nav.today', roles: PORTFOLIO, icon: 'M7 2v2H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2h-2V2h-2v2H9V2H7zm-2 8h14v10H5V10z' },
  { href: '/', key: 'nav.refer', roles: ['referrer'], icon: 'M15 12a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm-9-2V7H4v3H1v2h3v3h2v-3h3v-2zm9 4c-2.7 0-8 1.3-8 4v2h16v-2c0-2.7-5.3-4-8-4z' },
  { href: '/', key: 'nav.products', roles: ['analyst', 'admin'], icon: ICON.products, also: ['/products'] },
  { href: '/customers', key: 'nav.customers', roles: PORTFOLIO, icon: 'M16 11a4 4 0 1 0-4-4 4 4 0 0 0 4 4zm-8 0a3 3 0 1 0-3-3 3 3 0 0 0 3 3zm0 2c-2.7 0-8 1.3-8 4v3h8v-3c0-1.1.5-2.1 1.3-2.9A12 12 0 0 0 8 13zm8 0c-2.7 0-8 1.3-8 4v3h16v-3c0-2.7-5.3-4-8-4z' },
  { href: '/team', key: 'nav.team', roles: ['lead'], icon: ICON.team, also: ['/products', '/settings'] },
  { href: '/referrals', key: 'nav.referrals', roles: ['rm'], icon: 'M20 6h-3V4a2 2 0 0 0-2-2H9a2 2 0 0 0-2 2v2H4a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V8a2 2 0 0 0-2-2zM9 4h6v2H9zm3 14-4-4 1.4-1.4 1.6 1.6V9h2v5.2l1.6-1.6L16 14z' },
  { href: '/referrals', key: 'nav.myReferrals', roles: ['referrer'], icon: 'M4 6h2v2H4zm4 0h12v2H8zm-4 5h2v2H4zm4 0h12v2H8zm-4 5h2v2H4zm4 0h12v2H8z' },
  { href: '/approvals', key: 'nav.approvals', roles: ['lead'], icon: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z' },
  { href: '/alerts', key: 'nav.alerts', badge: true, roles: EVERYONE, icon: 'M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.8V3.5a1.5 1.5 0 0 0-3 0v.7A7 7 0 0 0 5 11v5l-2 2v1h18v-1z' },
  { href: '/me', key: 'nav.me', roles: ['rm'], icon: ICON.chart, also: ['/settings'] },
  { href: '/settings', key: 'nav.settings', roles: ['analyst', 'admin', 'referrer'], icon: 'M19.4 13a7.8 7.8 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.6 7.6 0 0 0-1.7-1L15 3h-4l-.4 2.7a7.6 7.6 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.8 7.8 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.6 7.6 0 0 0 1.7 1L11 21h4l.4-2.7a7.6 7.6 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 3.5-3.5 3.5 3.5 0 0 1-3.5 3.5z' },
];

/** The nav of a role; a role the app does not know gets the RM's. */
export function navFor(role: string | undefined): readonly NavItem[] {
  const known = NAV.some((item) => item.roles.includes(role ?? ''));
  return NAV.filter((item) => item.roles.includes(known ? role! : 'rm'));
}

export function Layout({ children }: { children: ComponentChildren }) {
  const { path, route } = useLocation();
  // a new screen starts at its top, not where the last one was scrolled to
  useEffect(() => window.scrollTo(0, 0), [path]);
  // a phone's tab bar may scroll sideways: keep the current tab in sight
  useEffect(() => document.querySelector('.tabbar [aria-current="page"]')?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' }), [path]);
  useEffect(() => watchUnread(), []);
  // a tapped notification: go where it points
  useEffect(() => {
    const target = pendingNavigation.value;
    if (!target) return;
    pendingNavigation.value = null;
    route(target);
  }, [pendingNavigation.value]);
  const active = (item: NavItem) =>
    (item.href === '/' ? path === '/' : path.startsWith(item.href)) || (item.also ?? []).some((prefix) => path.startsWith(prefix));
  return (
    <div class="shell">
      <a class="skip" href="#main">{t('app.skip')}</a>
      {!online.value && (
        <div class="banner offline" role="status">{t('state.offline')}</div>
      )}
      {updateReady.value && (
        <div class="banner update" role="alert">
          <span>{t('update.available')}</span>
          <button type="button" class="btn small" onClick={applyUpdate}>{t('update.reload')}</button>
          <button type="button" class="btn small ghost" onClick={() => (updateReady.value = false)}>{t('update.later')}</button>
        </div>
      )}
      <a href="/outbox" class={outboxState.value.unsent || outboxState.value.problems ? 'sync-chip pending' : 'sync-chip'} data-testid="sync-chip" data-count={outboxState.value.unsent}>
        {outboxState.value.unsent ? t('outbox.unsent', { n: outboxState.value.unsent }) : t('outbox.allSent')}
        {outboxState.value.problems ? ` · ${t('outbox.problems', { n: outboxState.value.problems })}` : ''}
        {outboxState.value.lastSync ? ` · ${t('outbox.lastSync', { time: dateTime(outboxState.value.lastSync) })}` : ''}
      </a>
      <main id="main" class="content">{children}</main>
      {user.value?.role === 'rm' && <CallResultSheet />}
      <NoticeBar />
      <nav class="tabbar" aria-label={t('nav.main')}>
        {navFor(user.value?.role).map((item) => (
          <a key={item.key} href={item.href} class={active(item) ? 'tab active' : 'tab'} aria-current={active(item) ? 'page' : undefined}>
            <span class="tab-icon">
              <svg viewBox="0 0 24 24" aria-hidden="true" width="24" height="24"><path d={item.icon} fill="currentColor" /></svg>
              {item.badge && unread.value > 0 && <span class="badge" aria-hidden="true" data-testid="unread-badge">{unread.value > 99 ? '99+' : unread.value}</span>}
            </span>
            <span>{t(item.key)}</span>
            {item.badge && unread.value > 0 && <span class="visually-hidden">{t('alerts.unreadCount', { n: unread.value })}</span>}
          </a>
        ))}
      </nav>
    </div>
  );
}
