import { useLocation, useRoute } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { ChannelsPanel } from '../components/ChannelsPanel';
import { Chart } from '../components/Chart';
import { BarList, DataTable, FigureTiles, MonthPicker, Panel, PeriodNote, ReportError, type Tile } from '../components/Report';
import {
  axisMoney, column, figureName, formatFigure, isMonth, latestMonth, monthName, monthTicks, weekTick,
} from '../logic/reports';
import { MeLinks } from '../components/MeLinks';
import { Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import * as reports from '../data/reports';
import type { FigureRow, RmReport, TrendRow } from '../data/reports';
import { user } from '../data/session';
import { day, locale, money, num, t, tCode } from '../i18n';

/** The RM's own month: "Me". A lead has no report of their own: their place is the team. */
export function Me() {
  const { query, route } = useLocation();
  const isLead = user.value?.role === 'lead';
  useEffect(() => {
    if (isLead) route('/team', true);
  }, [isLead]);
  if (isLead) return null;
  return <RmReportScreen month={isMonth(query.month) ? query.month : undefined} base="/me" />;
}

/** A lead drilling into one RM of the team, from the team dashboard. */
export function TeamRm() {
  const { params, query } = useRoute();
  const rm = Number(params.id);
  return <RmReportScreen rm={rm} month={isMonth(query.month) ? query.month : undefined} base={`/team/rm/${rm}`} />;
}

function RmReportScreen({ rm, month, base }: { rm?: number; month?: string; base: string }) {
  const { route } = useLocation();
  const [state, reload] = useLoad(() => reports.rm({ month, rm }), [month, rm]);
  const back = rm ? `/team${month ? `?month=${month}` : ''}` : null;
  const report = state.status === 'ready' ? state.value : null;
  return (
    <section aria-labelledby="me-title" class="report" data-testid="rm-report" lang={locale.value}>
      <header class="screen-head report-head">
        {back && <a href={back} class="back">‹ {t('team.back')}</a>}
        {!rm && <MeLinks />}
        <h1 id="me-title">{report && rm ? t('me.titleOf', { name: report.rm.name }) : t('me.title')}</h1>
        {report && <p class="muted">{[report.team?.name, monthName(report.month)].filter(Boolean).join(' · ')}</p>}
        {report && (
          <MonthPicker value={report.month} latest={latestMonth(reports.runningMonth.value, report.month, new Date())}
            onChange={(m) => route(`${base}?month=${m}`)} />
        )}
        {report && <PeriodNote report={report} />}
      </header>
      {state.status === 'loading' && <Skeleton rows={5} />}
      {state.status === 'error' && <ReportError state={state} forbidden={t('me.forbidden')} onRetry={reload} />}
      {report && <RmReportBody report={report} rm={rm} />}
    </section>
  );
}

function RmReportBody({ report, rm }: { report: RmReport; rm?: number }) {
  const f = report.figures;
  const m = report.team_median;
  const args = { month: report.month, rm };
  const csv = (table: string) => ({ href: reports.csvUrl('rm', table, args), table });
  const tiles: Tile[] = [
    { name: 'contacts_logged', value: f.contacts_logged, median: m.contacts_logged, detail: t('me.detail.contacts', { calls: num(f.calls), visits: num(f.visits) }) },
    { name: 'reach_rate', value: f.reach_rate, median: m.reach_rate, detail: t('me.detail.ofContacts', { n: num(f.reached), of: num(f.contacts_logged) }) },
    { name: 'plan_done_rate', value: f.plan_done_rate, median: m.plan_done_rate, detail: t('me.detail.ofPlanned', { n: num(f.contacts_done), of: num(f.contacts_planned) }) },
    { name: 'sla_rate', value: f.sla_rate, median: m.sla_rate, detail: t('me.detail.ofMoments', { n: num(f.moments_in_sla), of: num(f.moments_due) }) },
    { name: 'sales_amount', value: f.sales_amount, median: m.sales_amount },
    { name: 'sold_amount', value: f.sold_amount, median: m.sold_amount, detail: t('me.detail.offersSold', { n: num(f.offers_sold) }) },
    { name: 'satisfaction_index', value: f.satisfaction_index, median: m.satisfaction_index, detail: t('me.detail.responses', { n: num(f.satisfaction_responses) }) },
    { name: 'referrals_in', value: f.referrals_in, median: m.referrals_in, detail: t('me.detail.won', { n: num(f.referrals_in_won) }) },
    { name: 'referrals_out', value: f.referrals_out, median: m.referrals_out, detail: t('me.detail.won', { n: num(f.referrals_out_won) }) },
    { name: 'overdue_entries', value: f.overdue_entries, median: m.overdue_entries },
  ];
  const channels = report.tables.channels;
  const median = t('reports.teamMedianShort');
  return (
    <>
      <Panel id="me-figures" title={t('me.headline')} testId="me-figures">
        <FigureTiles tiles={tiles} />
      </Panel>
      <ChannelsPanel id="me-channels" channels={channels} csv={csv('channels')} testId="chart-channels" />
      <Panel id="me-funnel" title={t('me.funnel')} csv={csv('funnel')}>
        <BarList label={t('me.funnel')} testId="funnel" medianLabel={median}
          bars={report.tables.funnel.map((s) => ({
            key: s.stage, label: tCode('stage', s.stage), value: s.count, median: s.team_median,
            text: t('reports.againstMedian', { value: num(s.count), median: num(s.team_median) }),
          }))} />
        <p class="muted">
          {figureName('acceptance_rate')} {formatFigure('acceptance_rate', f.acceptance_rate)} · {figureName('conversion_rate')} {formatFigure('conversion_rate', f.conversion_rate)}
        </p>
      </Panel>
      <Panel id="me-moments" title={t('me.moments')}>
        <BarList label={t('me.moments')} testId="moments-sla"
          bars={(['moments_in_sla', 'moments_late', 'moments_overdue'] as const).map((name) => ({
            key: name, label: figureName(name), value: f[name], median: m[name], tone: name === 'moments_in_sla' ? undefined : 'bad',
            text: t('reports.againstMedian', { value: num(f[name]), median: num(m[name]) }),
          }))} />
        <p class="muted">{t('me.detail.ofMoments', { n: num(f.moments_in_sla), of: num(f.moments_due) })} · {formatFigure('sla_rate', f.sla_rate)}</p>
      </Panel>
      <Trends title={t('me.weekly')} id="me-weekly" who={rmLabel(report, rm)} rows={report.tables.weekly} ticks={report.tables.weekly.map((w) => weekTick(w.week!))}
        labels={report.tables.weekly.map((w) => t('reports.weekOf', { date: day(w.week!) }))} csv={csv('weekly')} />
      <Trends title={t('me.monthly')} id="me-monthly" who={rmLabel(report, rm)} rows={report.tables.monthly} ticks={monthTicks(report.tables.monthly.map((r) => r.month!))}
        labels={report.tables.monthly.map((r) => monthName(r.month!))} csv={csv('monthly')} />
      <Panel id="me-all" title={t('me.allFigures')} csv={csv('figures')}>
        <DataTable<FigureRow> caption={t('me.allFigures')} rows={report.tables.figures} rowKey={(r) => r.figure} testId="figures-table"
          columns={[
            { key: 'figure', label: t('reports.figure'), render: (r) => figureName(r.figure) },
            { key: 'value', label: rmLabel(report, rm), numeric: true, render: (r) => formatFigure(r.figure, r.value) },
            { key: 'team_median', label: t('reports.teamMedianShort'), numeric: true, render: (r) => formatFigure(r.figure, r.team_median) },
          ]} />
      </Panel>
    </>
  );
}

function rmLabel(report: RmReport, rm?: number): string {
  return rm ? report.rm.name : t('me.mine');
}

/** Contacts and sales over weeks or months, each against the team's median. */
function Trends({ title, id, who, rows, ticks, labels, csv }: { title: string; id: string; who: string; rows: TrendRow[]; ticks: string[]; labels: string[]; csv: { href: string; table: string } }) {
  const median = t('reports.teamMedianShort');
  return (
    <Panel id={id} title={title} csv={csv}>
      <div class="chart-pair">
        <Chart title={figureName('contacts_logged')} testId={`${id}-contacts`} integer ticks={ticks} labels={labels}
          series={[
            { label: who, values: column(rows, 'contacts'), color: '--chart-1' },
            { label: median, values: column(rows, 'team_median_contacts'), color: '--median', dashed: true },
          ]}
          format={(v) => formatFigure('contacts_logged', v)} />
        <Chart title={figureName('sales_amount')} testId={`${id}-sales`} ticks={ticks} labels={labels}
          series={[
            { label: who, values: column(rows, 'sales_amount'), color: '--chart-2' },
            { label: median, values: column(rows, 'team_median_sales_amount'), color: '--median', dashed: true },
          ]}
          format={(v) => money(v)} axis={axisMoney} />
      </div>
    </Panel>
  );
}
