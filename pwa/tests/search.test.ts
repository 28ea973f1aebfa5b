import { describe, expect, it } from 'vitest';
import type { CustomerSummary } from '../src/data/api';
import { matchCustomers } from '../src/logic/search';

const customer = (id: number, name: string, name_en: string | null, external_id: string): CustomerSummary => ({
  id, name, name_en, external_id, segment: 'small', tier: 'basic', status: 'active', industry: null, region: null, rm: null, last_contact_at: null,
});

describe('searching the customers on the device', () => {
  const items = [customer(1, '杭州恒丰五金', 'Hangzhou Hengfeng Hardware', 'C001'), customer(2, '宁波鑫达贸易', null, 'C002'), customer(3, '杭州顺达物流', 'Hangzhou Shunda', 'C0021')];

  it('finds any part of a name in either language, whatever the case', () => {
    expect(matchCustomers(items, '杭州').map((c) => c.id)).toEqual([1, 3]);
    expect(matchCustomers(items, 'hengFENG').map((c) => c.id)).toEqual([1]);
  });

  it('finds a customer number whole only, as the server does', () => {
    expect(matchCustomers(items, ' C002 ').map((c) => c.id)).toEqual([2]);
    expect(matchCustomers(items, 'C00').map((c) => c.id)).toEqual([]);
  });

  it('finds nothing for a blank search', () => {
    expect(matchCustomers(items, '  ')).toEqual([]);
  });
});
