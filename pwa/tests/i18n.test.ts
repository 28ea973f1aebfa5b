import { describe, expect, it, vi } from 'vitest';

vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
vi.stubGlobal('document', { documentElement: { lang: '' } });

const { en } = await import('../src/i18n/en');
const { zhCN } = await import('../src/i18n/zh-CN');
const i18n = await import('../src/i18n');

describe('messages', () => {
  it('has every key in both languages, none empty', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of [...Object.entries(en), ...Object.entries(zhCN)]) {
      expect(text.trim(), key).not.toBe('');
    }
  });

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(names(zhCN[key]), key).toEqual(names(en[key]));
    }
  });

  it('translates every code the API sends', () => {
    const codes = {
      segment: ['large', 'medium', 'small', 'micro'],
      tier: ['basic', 'intermediate', 'advanced'],
      status: ['active', 'dormant', 'lapsed', 'closed'],
      party: ['owner', 'guarantor', 'supplier', 'buyer', 'affiliate', 'guaranteed_party', 'owned_company'],
      channel: ['visit', 'call', 'video', 'message', 'email', 'branch', 'mobile', 'online', 'atm', 'pos', 'transfer', 'system'],
      outcome: ['reached', 'not_reached', 'interested', 'sale', 'declined', 'follow_up', 'complaint', 'info'],
      needLine: ['retail', 'partner', 'private'],
    };
    for (const [family, list] of Object.entries(codes)) {
      for (const code of list) expect(`${family}.${code}` in en, `${family}.${code}`).toBe(true);
    }
  });
});

describe('locale and formatting', () => {
  it('detects the language from the browser, preferring a saved choice', () => {
    expect(i18n.detectLocale(null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(i18n.detectLocale(null, ['zh-TW'])).toBe('zh-CN');
    expect(i18n.detectLocale(null, ['fr-FR'])).toBe('zh-CN');
    expect(i18n.detectLocale('en', ['zh-CN'])).toBe('en');
  });

  it('fills placeholders and formats money in the bank currency', () => {
    i18n.setLocale('en');
    expect(i18n.t('today.daysSince', { n: 12 })).toBe('12 days since last contact');
    expect(i18n.money(1234567)).toBe('CN¥1,234,567');
    i18n.setLocale('zh-CN');
    expect(i18n.t('today.daysSince', { n: 12 })).toBe('距上次联系 12 天');
    expect(i18n.money(1234567)).toBe('¥1,234,567');
    expect(i18n.tCode('segment', 'micro')).toBe('微型');
    expect(i18n.tCode('segment', 'unknown-code')).toBe('unknown-code');
  });

  it('builds each formatter once per locale and options, and follows a change of language', () => {
    i18n.setLocale('en');
    expect(i18n.dateFormat({ dateStyle: 'medium' })).toBe(i18n.dateFormat({ dateStyle: 'medium' }));
    const english = i18n.day('2026-11-30');
    i18n.setLocale('zh-CN');
    expect(i18n.day('2026-11-30')).not.toBe(english);
    expect(i18n.day('2026-11-30')).toBe(new Intl.DateTimeFormat('zh-CN', { dateStyle: 'medium' }).format(new Date('2026-11-30T00:00:00')));
    expect(i18n.numberFormat()).not.toBe(i18n.numberFormat({ style: 'percent' }));
  });
});
