import { useLocation } from 'preact-iso';
import { Chart } from '../components/Chart';
import { BarList, DataTable, IntervalBar, MonthPicker, Panel, PeriodNote, ReportError, type Column } from '../components/Report';
import {
  column, groupBy, intervalText, isMonth, latestModels, latestMonth, modelName, modelTrends, monthName, monthTicks, pct, weekTick,
} from '../logic/reports';
import { Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import * as reports from '../data/reports';
import type { ArmRow, ModelRow, PortfolioRow, ProductsReport } from '../data/reports';
import { day, dayOf, locale, money, num, t, tCode } from '../i18n';

/** Products, experiments and models: for analysts, admins and leads. */
export function Products() {
  const { query, path, route } = useLocation();
  const month = isMonth(query.month) ? query.month : undefined;
  const [state, reload] = useLoad(() => reports.products({ month }), [month]);
  const report = state.status === 'ready' ? state.value : null;
  const base = path === '/' ? '/' : '/products';
  return (
    <section aria-labelledby="products-title" class="report" data-testid="products-report" lang={locale.value}>
      <header class="screen-head report-head">
        <h1 id="products-title">{t('products.title')}</h1>
        {report && <p class="muted">{monthName(report.month)}</p>}
        {report && (
          <MonthPicker value={report.month} latest={latestMonth(reports.runningMonth.value, report.month, new Date())}
            onChange={(m) => route(`${base}?month=${m}`)} />
        )}
        {report && <PeriodNote report={report} />}
      </header>
      {state.status === 'loading' && <Skeleton rows={5} />}
      {state.status === 'error' && <ReportError state={state} forbidden={t('products.forbidden')} onRetry={reload} />}
      {report && <ProductsBody report={report} />}
    </section>
  );
}

function productLabel(row: Pick<PortfolioRow, 'name' | 'name_en'>): string {
  return locale.value === 'en' && row.name_en ? row.name_en : row.name;
}

function ProductsBody({ report }: { report: ProductsReport }) {
  const args = { month: report.month };
  const csv = (table: string) => ({ href: reports.csvUrl('products', table, args), table });
  const portfolio = report.tables.portfolio;
  const names = new Map(portfolio.map((p) => [p.code, productLabel(p)]));
  const columns: Column<PortfolioRow>[] = [
    { key: 'name', label: t('products.product'), sortable: true, render: (r) => (
      <span class="product-cell">{productLabel(r)}{r.simplify && <span class="chip warn-chip" data-testid="simplify">{t('products.simplify')}</span>}</span>
    ) },
    { key: 'holders', label: t('products.holders'), numeric: true, sortable: true, render: (r) => num(r.holders) },
    { key: 'new_sales', label: t('products.newSales'), numeric: true, sortable: true, render: (r) => num(r.new_sales) },
    { key: 'revenue', label: t('products.revenue'), numeric: true, sortable: true, render: (r) => money(r.revenue) },
    { key: 'cost', label: t('products.cost'), numeric: true, sortable: true, render: (r) => money(r.cost) },
    { key: 'margin', label: t('products.margin'), numeric: true, sortable: true, render: (r) => <span class={r.margin < 0 ? 'neg' : undefined}>{money(r.margin)}</span> },
    { key: 'uptake', label: t('products.uptake'), numeric: true, sortable: true, render: (r) => pct(r.uptake) },
  ];
  const byMargin = [...portfolio].sort((a, b) => b.margin - a.margin);
  const monthly = report.tables.monthly;
  return (
    <>
      <Panel id="products-simplify" title={t('products.simplifyTitle')} testId="simplify-share">
        <p class="big-figure">{pct(report.simplify_share)}</p>
        <p>{t('products.simplifyLine', { n: num(report.simplify_candidates), of: num(portfolio.length) })}</p>
      </Panel>
      <Panel id="products-portfolio" title={t('products.portfolio')} csv={csv('portfolio')}>
        <DataTable<PortfolioRow> caption={t('products.portfolio')} rows={portfolio} rowKey={(r) => r.code} columns={columns}
          testId="portfolio-table" rowTestId="portfolio-row" />
      </Panel>
      <Panel id="products-margin" title={t('products.marginChart')}>
        <BarList label={t('products.marginChart')} testId="margin-bars"
          bars={byMargin.map((r) => ({ key: r.code, label: productLabel(r), value: r.margin, text: money(r.margin, true), tone: r.margin < 0 ? 'bad' as const : undefined }))} />
      </Panel>
      <Panel id="products-monthly" title={t('products.monthly')} csv={csv('monthly')}>
        <Chart title={t('products.monthly')} caption={false} testId="products-monthly" integer
          ticks={monthTicks(monthly.map((r) => r.month))} labels={monthly.map((r) => monthName(r.month))}
          series={[
            { label: t('products.newAccounts'), values: column(monthly, 'new_accounts'), color: '--chart-1' },
            { label: t('products.offersSold'), values: column(monthly, 'offers_sold'), color: '--chart-2' },
          ]}
          format={num} />
      </Panel>
      <Experiments arms={report.tables.experiments} csv={csv('experiments')} />
      <Models rows={report.tables.models} names={names} csv={csv('models')} />
    </>
  );
}

const MEASURES = [
  ['acceptance', 'products.acceptance'],
  ['sales', 'products.salesRate'],
  ['contact_success', 'products.contactSuccess'],
] as const;

/** Each experiment's arms side by side: rates with their 95% intervals. */
function Experiments({ arms, csv }: { arms: ArmRow[]; csv: { href: string; table: string } }) {
  const experiments = groupBy(arms, (a) => a.experiment);
  return (
    <Panel id="products-experiments" title={t('products.experiments')} csv={csv} testId="experiments">
      {experiments.length === 0 && <p class="muted">{t('products.noExperiments')}</p>}
      {experiments.map(([name, rows]) => (
        <div key={name} class="experiment" data-testid="experiment">
          <h3>{name} <span class="chip">{tCode('experimentState', rows[0].state)}</span></h3>
          {rows[0].started_on && <p class="muted">{t('products.startedOn', { date: day(rows[0].started_on) })}</p>}
          <ul class="plain arms">
            {rows.map((arm) => (
              <li key={arm.cell} class="arm" data-testid="arm">
                <p class="arm-name"><strong>{arm.cell}</strong>{arm.version ? ` · ${arm.version}` : ''} · {t('products.customers', { n: num(arm.customers) })}</p>
                <dl class="intervals">
                  {MEASURES.map(([measure, key]) => (
                    <div key={measure}>
                      <dt>{t(key)}</dt>
                      <dd>
                        <span>{intervalText(arm[`${measure}_rate`], arm[`${measure}_low`], arm[`${measure}_high`])} <span class="muted">n={num(arm[`${measure}_n`])}</span></span>
                        <IntervalBar rate={arm[`${measure}_rate`]} low={arm[`${measure}_low`]} high={arm[`${measure}_high`]} />
                      </dd>
                    </div>
                  ))}
                </dl>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </Panel>
  );
}

/** Validation figures of each model's newest version, and AUC over versions when retrained. */
function Models({ rows, names, csv }: { rows: ModelRow[]; names: Map<string, string>; csv: { href: string; table: string } }) {
  const name = (model: string) => modelName(model, (code) => names.get(code));
  const latest = latestModels(rows);
  const trend = modelTrends(rows);
  const three = (v: number | null) => (v == null ? '—' : num(Math.round(v * 1000) / 1000));
  // the figures first: on a phone the table scrolls, and AUC is what the analyst looks for
  const columns: Column<ModelRow>[] = [
    { key: 'model', label: t('products.model'), render: (r) => name(r.model) },
    { key: 'auc', label: 'AUC', numeric: true, sortable: true, render: (r) => three(r.auc) },
    { key: 'lift_10', label: t('products.lift10'), numeric: true, sortable: true, render: (r) => three(r.lift_10) },
    { key: 'capture_20', label: t('products.capture20'), numeric: true, sortable: true, render: (r) => pct(r.capture_20) },
    { key: 'n', label: t('products.sample'), numeric: true, render: (r) => num(r.n) },
    { key: 'version', label: t('products.version'), render: (r) => `${r.version} · ${tCode('modelRole', r.role)}` },
    { key: 'trained_at', label: t('products.trainedAt'), render: (r) => dayOf(r.trained_at) },
  ];
  return (
    <Panel id="products-models" title={t('products.models')} csv={csv} testId="models">
      {latest.length === 0 ? <p class="muted">{t('products.noModels')}</p> : (
        <DataTable<ModelRow> caption={t('products.models')} rows={latest} rowKey={(r) => r.model} columns={columns} testId="models-table" />
      )}
      {trend.models.length > 0 ? (
        <Chart title={t('products.aucTrend')} testId="auc-trend" ticks={trend.days.map(weekTick)} labels={trend.days.map((d) => day(d))}
          series={trend.models.map((m) => ({ label: name(m.model), values: m.values }))}
          format={three} axis={(v) => three(v)} />
      ) : latest.length > 0 && <p class="muted">{t('products.oneVersion')}</p>}
    </Panel>
  );
}
