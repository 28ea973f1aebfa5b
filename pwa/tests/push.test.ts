import { describe, expect, it } from 'vitest';
import {
  base64UrlToBytes,
  bytesToBase64Url,
  clickTarget,
  customerOf,
  notificationOptions,
  parsePayload,
  safePath,
  sameKey,
} from '../src/data/push-logic';

// a real VAPID public key: the uncompressed P-256 point, 65 bytes starting with 0x04
const KEY = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';

describe('base64url to bytes', () => {
  it('decodes an unpadded VAPID key to the 65-byte point', () => {
    const bytes = base64UrlToBytes(KEY);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes.length).toBe(65);
    expect(bytes[0]).toBe(4);
    expect(bytesToBase64Url(bytes)).toBe(KEY);
  });

  it('handles - and _ and every padding length', () => {
    expect([...base64UrlToBytes('-_8')]).toEqual([0xfb, 0xff]);
    expect([...base64UrlToBytes('AQ')]).toEqual([1]);
    expect([...base64UrlToBytes('AQI')]).toEqual([1, 2]);
    expect([...base64UrlToBytes('AQID')]).toEqual([1, 2, 3]);
    expect([...base64UrlToBytes('')]).toEqual([]);
    expect(bytesToBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });

  it('tells whether a subscription was made with the server key', () => {
    expect(sameKey(base64UrlToBytes(KEY).buffer, KEY)).toBe(true);
    const other = base64UrlToBytes(KEY);
    other[64] ^= 1;
    expect(sameKey(other.buffer, KEY)).toBe(false);
    expect(sameKey(null, KEY)).toBe(false);
  });
});

describe('push payload', () => {
  it('reads the JSON the server sends', () => {
    const p = parsePayload(JSON.stringify({ kind: 'risk_high', title: '风险预警', body: '杭州恒丰五金：逾期 35 天', url: '/customers/42', id: 1234 }));
    expect(p).toEqual({ kind: 'risk_high', title: '风险预警', body: '杭州恒丰五金：逾期 35 天', url: '/customers/42', id: 1234, lang: 'zh-CN' });
  });

  it('falls back to a generic alert in the device language when not JSON', () => {
    expect(parsePayload('not json', 'en-GB')).toMatchObject({ kind: 'generic', title: 'RM Companion', body: 'You have a new alert.', url: '/alerts', id: null, lang: 'en' });
    expect(parsePayload(null, 'zh-CN')).toMatchObject({ title: 'RM助手', body: '您有一条新提醒。', url: '/alerts', lang: 'zh-CN' });
    expect(parsePayload('[1,2]', 'fr')).toMatchObject({ kind: 'generic', lang: 'zh-CN' });
    expect(parsePayload('"just a string"')).toMatchObject({ kind: 'generic' });
  });

  it('fills what a payload lacks, and never points to another site', () => {
    expect(parsePayload('{"kind":"test"}', 'en')).toMatchObject({ title: 'RM助手', body: '您有一条新提醒。', url: '/', id: null, lang: 'zh-CN' });
    expect(parsePayload('{"title":"x","url":"https://evil.example/"}').url).toBe('/');
    expect(parsePayload('{"title":"x","url":"//evil.example/a"}').url).toBe('/');
    expect(parsePayload('{"title":"x","url":"/alerts?x=1#y"}').url).toBe('/alerts?x=1#y');
  });

  it('takes the language from the payload, or guesses it from the title', () => {
    expect(parsePayload('{"title":"风险预警","lang":"en"}').lang).toBe('en');
    expect(parsePayload('{"title":"Risk alert"}', 'zh-CN').lang).toBe('en');
    expect(parsePayload('{"title":"风险预警"}', 'en').lang).toBe('zh-CN');
    expect(parsePayload('{"title":"123"}', 'en').lang).toBe('zh-CN');
  });
});

describe('notification options', () => {
  const risk = parsePayload(JSON.stringify({ kind: 'risk_high', title: '风险预警', body: 'b', url: '/customers/42', id: 7, lang: 'zh-CN' }));

  it('tags each alert, but one briefing replaces the last', () => {
    expect(notificationOptions(risk).tag).toBe('alert-7');
    expect(notificationOptions(parsePayload('{"kind":"briefing","title":"今日联系计划","url":"/","id":9}')).tag).toBe('briefing');
  });

  it('offers Log a visit only on a customer card, in the payload language', () => {
    const options = notificationOptions(risk);
    expect(options.actions).toEqual([{ action: 'open', title: '打开' }, { action: 'visit', title: '记录拜访' }]);
    expect(options.data).toEqual({ url: '/customers/42', id: 7, kind: 'risk_high' });
    expect(options.icon).toBe('/icons/icon-192.png');
    const en = notificationOptions(parsePayload('{"kind":"test","title":"Test alert","url":"/settings","id":3,"lang":"en"}'));
    expect(en.actions).toEqual([{ action: 'open', title: 'Open' }]);
  });
});

describe('notification click target', () => {
  it('opens the alert url, or the visit form of its customer', () => {
    expect(clickTarget({ url: '/customers/42', id: 1 }, '')).toBe('/customers/42');
    expect(clickTarget({ url: '/customers/42' }, 'open')).toBe('/customers/42');
    expect(clickTarget({ url: '/customers/42' }, 'visit')).toBe('/customers/42/visit');
    expect(clickTarget({ url: '/customers/42/' }, 'visit')).toBe('/customers/42/visit');
  });

  it('ignores Log a visit elsewhere and defaults to the app start', () => {
    expect(clickTarget({ url: '/approvals' }, 'visit')).toBe('/approvals');
    expect(clickTarget({ url: '/customers' }, 'visit')).toBe('/customers');
    expect(clickTarget(null, '')).toBe('/');
    expect(clickTarget({}, 'open')).toBe('/');
    expect(clickTarget({ url: 'https://evil.example/customers/1' }, 'visit')).toBe('/');
    expect(clickTarget({ url: '//evil.example/x' }, '')).toBe('/');
  });

  it('recognises customer cards only', () => {
    expect(customerOf('/customers/42')).toBe(42);
    expect(customerOf('/customers/42?tab=risk')).toBe(42);
    expect(customerOf('/customers/42/visit')).toBeNull();
    expect(customerOf('/customers/abc')).toBeNull();
    expect(safePath('/a/../b')).toBe('/b');
  });
});
