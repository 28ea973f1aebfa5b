import { describe, expect, it, vi } from 'vitest';

vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
vi.stubGlobal('document', { documentElement: { lang: '' } });

const i18n = await import('../src/i18n');
const logic = await import('../src/logic/reports');
const { en } = await import('../src/i18n/en');
const { reportCsvUrl } = await import('../src/data/api');

const FIGURES = [
  'contacts_planned', 'contacts_done', 'contacts_logged', 'calls', 'visits', 'reached', 'moments_due', 'moments_in_sla',
  'moments_late', 'moments_overdue', 'offers_presented', 'offers_accepted', 'offers_sold', 'sold_amount', 'sales_amount',
  'referrals_in', 'referrals_in_won', 'referrals_out', 'referrals_out_won', 'satisfaction_responses', 'satisfaction_index',
  'overdue_entries', 'plan_done_rate', 'reach_rate', 'sla_rate', 'acceptance_rate', 'conversion_rate',
];

describe('figures against the team median', () => {
  it('names every figure the API sends in words, in both languages', () => {
    for (const name of FIGURES) {
      expect(`figure.${name}` in en, name).toBe(true);
      for (const lang of ['en', 'zh-CN'] as const) {
        i18n.setLocale(lang);
        expect(logic.figureName(name)).not.toContain('_');
      }
    }
  });

  it('formats counts, money, rates and the satisfaction index, with a dash for none', () => {
    i18n.setLocale('en');
    expect(logic.formatFigure('contacts_logged', 29)).toBe('29');
    expect(logic.formatFigure('contacts_logged', 24.5)).toBe('24.5'); // a median of an even team
    expect(logic.formatFigure('reach_rate', 0.7586)).toBe('75.9%');
    expect(logic.formatFigure('sla_rate', 0)).toBe('0%');
    expect(logic.formatFigure('sales_amount', 1338051.67)).toBe('CN¥1,338,052');
    expect(logic.formatFigure('satisfaction_index', 81.25)).toBe('81.3');
    expect(logic.formatFigure('plan_done_rate', null)).toBe('—');
    expect(logic.formatFigure('satisfaction_index', undefined)).toBe('—');
    i18n.setLocale('zh-CN');
    expect(logic.formatFigure('sold_amount', 0)).toBe('¥0');
  });

  it('says which side of the median a figure is, and whether that side is good', () => {
    expect(logic.versusMedian(29, 25)).toBe('above');
    expect(logic.versusMedian(20, 25)).toBe('below');
    expect(logic.versusMedian(0, 0)).toBe('level');
    expect(logic.versusMedian(null, 25)).toBeNull();
    expect(logic.versusMedian(3, null)).toBeNull();
    expect(logic.isGoodSide('contacts_logged', 'above')).toBe(true);
    expect(logic.isGoodSide('overdue_entries', 'above')).toBe(false);
    expect(logic.isGoodSide('overdue_entries', 'below')).toBe(true);
    expect(logic.isGoodSide('reach_rate', 'level')).toBeNull();
  });

  it('writes a figure against the median as one line', () => {
    i18n.setLocale('en');
    expect(logic.againstMedian('contacts_logged', 29, 25)).toBe('29 · team median 25');
    expect(logic.againstMedian('reach_rate', 0.7586, null)).toBe('75.9% · team median —');
    i18n.setLocale('zh-CN');
    expect(logic.againstMedian('contacts_logged', 29, 25)).toBe('29 · 团队中位数 25');
  });
});

describe('months', () => {
  it('offers the last twelve months, newest first, across a year end', () => {
    const months = logic.lastMonths('2026-02');
    expect(months).toHaveLength(12);
    expect(months.slice(0, 3)).toEqual(['2026-02', '2026-01', '2025-12']);
    expect(months[11]).toBe('2025-03');
    expect(logic.shiftMonth('2026-01', -1)).toBe('2026-02');
    expect(logic.shiftMonth('2026-12', -1)).toBe('2027-01');
  });

  it('takes the bank month from the server over the device clock', () => {
    const device = new Date(2026, 11, 1); // the device is a day ahead, in December
    expect(logic.latestMonth('2026-11', '2026-05', device)).toBe('2026-11');
    expect(logic.latestMonth(null, '2026-05', device)).toBe('2026-12');
    expect(logic.latestMonth(null, null, new Date(2026, 0, 31))).toBe('2026-01');
  });

  it('accepts only YYYY-MM from a link', () => {
    expect(logic.isMonth('2026-11')).toBe(true);
    expect(logic.isMonth('2026-13')).toBe(false);
    expect(logic.isMonth('2026-1')).toBe(false);
    expect(logic.isMonth(undefined)).toBe(false);
  });

  it('labels months and weeks for axes and pickers in the reader\'s language', () => {
    i18n.setLocale('en');
    expect(logic.monthName('2026-11')).toBe('November 2026');
    expect(logic.monthTicks(['2025-12', '2026-01', '2026-02'])).toEqual(['Dec', 'Jan', 'Feb']);
    expect(logic.weekTick('2026-09-07')).toBe('Sep 7');
    i18n.setLocale('zh-CN');
    expect(logic.monthName('2026-11')).toBe('2026年11月');
    expect(logic.monthTick('2026-02')).toBe('2月');
    expect(logic.weekTick('2026-09-07')).toBe('9/7');
  });
});

describe('chart series from report tables', () => {
  const weekly = [
    { week: '2026-09-07', contacts: 3, sales_amount: 463000, team_median_contacts: 9 },
    { week: '2026-09-14', contacts: 5, sales_amount: 0, team_median_contacts: null },
    { week: '2026-09-21', contacts: 9, sales_amount: 52000, team_median_contacts: 9 },
  ];

  it('takes a column as numbers, keeping a missing value as a gap', () => {
    expect(logic.column(weekly, 'contacts')).toEqual([3, 5, 9]);
    expect(logic.column(weekly, 'team_median_contacts')).toEqual([9, null, 9]);
    expect(logic.column([{ a: 'x' }, { a: Number.NaN }], 'a')).toEqual([null, null]);
  });

  it('sums a chart up in a sentence: every value when few, the trend when many', () => {
    i18n.setLocale('en');
    const series = [{ label: 'Me', values: logic.column(weekly, 'contacts') }];
    expect(logic.chartSummary('Contacts', ['a', 'b', 'c'], series, i18n.num)).toBe('Contacts (a – c): Me: a 3, b 5, c 9.');
    const labels = Array.from({ length: 8 }, (_, i) => `w${i + 1}`);
    const long = [{ label: 'Me', values: [1, 4, 2, 8, 3, null, 5, 6] }];
    expect(logic.chartSummary('Contacts', labels, long, i18n.num)).toBe('Contacts (w1 – w8): Me from 1 to 6, highest 8 (w4).');
  });

  it('keeps an all-zero chart from collapsing and starts the axis at zero', () => {
    expect(logic.valueRange([0, 0, null])).toEqual([0, 1]);
    expect(logic.valueRange([])).toEqual([0, 1]);
    expect(logic.valueRange([2, 10])).toEqual([0, 11]);
    const [low, high] = logic.valueRange([-5920, 148276]);
    expect(low).toBeLessThan(-5920);
    expect(high).toBeGreaterThan(148276);
  });

  it('places bars for negative and positive values around zero', () => {
    expect(logic.barSpan(50, 0, 100)).toEqual({ left: 0, width: 50 });
    expect(logic.barSpan(-25, -25, 75)).toEqual({ left: 0, width: 25 });
    expect(logic.barSpan(75, -25, 75)).toEqual({ left: 25, width: 75 });
    expect(logic.barSpan(null, 0, 100)).toEqual({ left: 0, width: 0 });
    expect(logic.barSpan(0, 0, 0)).toEqual({ left: 0, width: 0 });
  });
});

describe('tables', () => {
  const rows = [
    { rm_name: '王芳', sales_amount: 5651410.52, plan_done_rate: null },
    { rm_name: '张伟', sales_amount: 1338051.67, plan_done_rate: 0.5 },
    { rm_name: '李娜', sales_amount: 3989811.83, plan_done_rate: 0.9 },
  ];

  it('sorts by a figure either way, missing values last', () => {
    expect(logic.sortRows(rows, 'sales_amount', 'descending').map((r) => r.rm_name)).toEqual(['王芳', '李娜', '张伟']);
    expect(logic.sortRows(rows, 'sales_amount', 'ascending').map((r) => r.rm_name)).toEqual(['张伟', '李娜', '王芳']);
    expect(logic.sortRows(rows, 'plan_done_rate', 'descending').map((r) => r.rm_name)).toEqual(['李娜', '张伟', '王芳']);
    expect(logic.sortRows(rows, 'plan_done_rate', 'ascending').map((r) => r.rm_name)).toEqual(['张伟', '李娜', '王芳']);
    expect(rows[0].rm_name).toBe('王芳'); // the input is left as it was
  });

  it('links each table to its CSV, for the same month and RM as on screen', () => {
    expect(reportCsvUrl('rm', 'channels', { month: '2026-11' })).toBe('/api/v1/reports/rm?format=csv&table=channels&month=2026-11');
    expect(reportCsvUrl('rm', 'weekly', { month: '2026-10', rm: 2 })).toBe('/api/v1/reports/rm?format=csv&table=weekly&month=2026-10&rm=2');
    expect(reportCsvUrl('team', 'rms', {})).toBe('/api/v1/reports/team?format=csv&table=rms');
  });
});

describe('experiments and models', () => {
  it('writes a rate with its 95% interval', () => {
    i18n.setLocale('en');
    expect(logic.intervalText(0.125, 0.081, 0.18)).toBe('12.5% [8.1%–18%]');
    expect(logic.intervalText(null, null, null)).toBe('—');
    expect(logic.intervalText(0.2, null, null)).toBe('20%');
  });

  const model = (name: string, version: string, day: string, auc: number | null) => ({ model: name, version, trained_at: `${day}T20:41:01`, auc });
  const rows = [
    model('attrition', '20261001', '2026-10-01', 0.81),
    model('attrition', '20261129', '2026-11-29', 0.86),
    model('propensity:BCARD', '20261129', '2026-11-29', 0.48),
    model('repayment', '20261101', '2026-11-01', 0.4),
    model('repayment', '20261129', '2026-11-29', null),
  ];

  it('keeps the newest version of each model', () => {
    expect(logic.latestModels(rows).map((r) => `${r.model}@${r.version}`)).toEqual(['attrition@20261129', 'propensity:BCARD@20261129', 'repayment@20261129']);
  });

  it('charts AUC only for models trained more than once, over their training days', () => {
    const trend = logic.modelTrends(rows);
    expect(trend.days).toEqual(['2026-10-01', '2026-11-01', '2026-11-29']);
    expect(trend.models).toEqual([
      { model: 'attrition', values: [0.81, null, 0.86] },
      { model: 'repayment', values: [null, 0.4, null] },
    ]);
    expect(logic.modelTrends([rows[2]]).models).toEqual([]);
  });

  it('names models in words, products by their name', () => {
    i18n.setLocale('en');
    const names = new Map([['BCARD', 'Business card']]);
    expect(logic.modelName('propensity:BCARD', (c) => names.get(c))).toBe('Propensity: Business card');
    expect(logic.modelName('propensity:XYZ', (c) => names.get(c))).toBe('Propensity: XYZ');
    expect(logic.modelName('attrition', () => undefined)).toBe('Attrition risk');
    expect(logic.modelName('risk.trained', () => undefined)).toBe('Early-warning risk (trained)');
    i18n.setLocale('zh-CN');
    expect(logic.modelName('risk.trained', () => undefined)).toBe('预警风险（训练模型）');
  });

  it('groups rows by a key in the order they come', () => {
    const arms = [{ experiment: 'B', cell: 'x' }, { experiment: 'A', cell: 'y' }, { experiment: 'B', cell: 'z' }];
    expect(logic.groupBy(arms, (a) => a.experiment)).toEqual([['B', [arms[0], arms[2]]], ['A', [arms[1]]]]);
  });
});
