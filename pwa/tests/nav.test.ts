import { describe, expect, it, vi } from 'vitest';

vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
vi.stubGlobal('document', { documentElement: { lang: '' }, addEventListener: () => undefined, visibilityState: 'visible' });

describe('the tab bar', () => {
  it('has at most five tabs for every role, settings under "me" for those who have one', async () => {
    const { navFor } = await import('../src/components/Layout');
    for (const role of ['rm', 'lead', 'analyst', 'admin', 'referrer']) {
      const tabs = navFor(role).map((item) => item.href);
      expect(tabs.length, role).toBeLessThanOrEqual(5);
      expect(new Set(tabs).size, role).toBe(tabs.length);
    }
    expect(navFor('rm').map((item) => item.key)).toEqual(['nav.today', 'nav.customers', 'nav.referrals', 'nav.alerts', 'nav.me']);
    expect(navFor('lead').map((item) => item.key)).toEqual(['nav.today', 'nav.customers', 'nav.team', 'nav.approvals', 'nav.alerts']);
  });
});
