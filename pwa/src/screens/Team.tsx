import { MeLinks } from '../components/MeLinks';
import { useLocation } from 'preact-iso';
import { ChannelsPanel } from '../components/ChannelsPanel';
import { Chart } from '../components/Chart';
import { BarList, DataTable, FigureTiles, MonthPicker, Panel, PeriodNote, ReportError, type Column, type Tile } from '../components/Report';
import { axisMoney, column, figureName, formatFigure, isMonth, latestMonth, monthName, weekTick } from '../logic/reports';
import { Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import * as reports from '../data/reports';
import type { RmRow, TeamReport } from '../data/reports';
import { day, locale, money, num, t, tCode } from '../i18n';

// the RM table's columns: what a lead compares RMs on, left to right
const RM_FIGURES = ['contacts_logged', 'reach_rate', 'plan_done_rate', 'sla_rate', 'offers_sold', 'sales_amount', 'satisfaction_index', 'overdue_entries'] as const;

/** The lead's dashboard: a row per RM against the team's median, approvals, risk, trends. */
export function Team() {
  const { query, route } = useLocation();
  const month = isMonth(query.month) ? query.month : undefined;
  const [state, reload] = useLoad(() => reports.team({ month }), [month]);
  const report = state.status === 'ready' ? state.value : null;
  return (
    <section aria-labelledby="team-title" class="report" data-testid="team-report" lang={locale.value}>
      <header class="screen-head report-head">
        <MeLinks />
        <h1 id="team-title">{t('team.title')}</h1>
        {report && <p class="muted">{report.team.name} · {monthName(report.month)}</p>}
        {report && (
          <MonthPicker value={report.month} latest={latestMonth(reports.runningMonth.value, report.month, new Date())}
            onChange={(m) => route(`/team?month=${m}`)} />
        )}
        {report && <PeriodNote report={report} />}
      </header>
      {state.status === 'loading' && <Skeleton rows={5} />}
      {state.status === 'error' && <ReportError state={state} forbidden={t('team.forbidden')} onRetry={reload} />}
      {report && <TeamBody report={report} open={(href) => route(href)} />}
    </section>
  );
}

function TeamBody({ report, open }: { report: TeamReport; open: (href: string) => void }) {
  const { totals, median, approvals } = report;
  const args = { month: report.month };
  const csv = (table: string) => ({ href: reports.csvUrl('team', table, args), table });
  const rms = report.tables.rms;
  const drill = (row: RmRow) => `/team/rm/${row.rm_id}?month=${report.month}`;
  const tiles: Tile[] = (['contacts_logged', 'reach_rate', 'sla_rate', 'sales_amount', 'sold_amount', 'overdue_entries'] as const)
    .map((name) => ({ name, value: totals[name], median: median[name], medianLabel: 'perRm' as const }));
  const columns: Column<RmRow>[] = [
    { key: 'rm_name', label: t('team.rm'), sortable: true, render: (r) => <a href={drill(r)} data-testid="rm-link">{r.rm_name}</a> },
    ...RM_FIGURES.map((name): Column<RmRow> => ({
      key: name, label: figureName(name), numeric: true, sortable: true, render: (r) => formatFigure(name, r[name]),
    })),
  ];
  const medianRow = { ...median, rm_id: 0, rm_name: t('reports.teamMedianShort') } as unknown as RmRow;
  const totalRow = { ...totals, rm_id: -1, rm_name: t('team.total'), satisfaction_index: null } as unknown as RmRow;
  const plain = [{ ...columns[0], render: (r: RmRow) => r.rm_name }, ...columns.slice(1)];
  const weekly = report.tables.weekly;
  const ticks = weekly.map((w) => weekTick(w.week!));
  const labels = weekly.map((w) => t('reports.weekOf', { date: day(w.week!) }));
  const channels = report.tables.channels;
  return (
    <>
      <Panel id="team-figures" title={t('team.headline')}>
        <FigureTiles tiles={tiles} />
        <p class="approvals-line" data-testid="team-approvals">
          <span>{t('team.approvals', { n: approvals.total, risk: approvals.risk_cases, quotes: approvals.quotes })}</span>
          <a href="/approvals" class="text-link">{t('team.openApprovals')}</a>
        </p>
      </Panel>
      <Panel id="team-rms" title={t('team.rms')} csv={csv('rms')}>
        <p class="muted no-print">{t('team.tapRow')}</p>
        <DataTable<RmRow> caption={t('team.rms')} rows={rms} rowKey={(r) => r.rm_id} testId="rm-table" rowTestId="rm-row"
          columns={columns} rowHref={drill} onOpen={open}
          foot={[{ key: 'median', row: medianRow, className: 'median-row' }, { key: 'total', row: totalRow, className: 'total-row' }]}
          footColumns={plain} />
      </Panel>
      <Panel id="team-overdue" title={t('team.overdue')}>
        <BarList label={t('team.overdue')} testId="overdue-per-rm"
          bars={rms.map((r) => ({ key: String(r.rm_id), label: r.rm_name, value: r.overdue_entries, text: num(r.overdue_entries), tone: 'bad' as const }))} />
      </Panel>
      <Panel id="team-risk" title={t('team.risk')} csv={csv('risk_cases')}>
        <BarList label={t('team.risk')} testId="risk-by-severity"
          bars={report.tables.risk_cases.map((r) => ({
            key: String(r.severity), label: tCode('severity', String(r.severity)), value: r.open,
            tone: r.severity === 3 ? 'bad' as const : undefined,
            text: t('team.riskLine', { n: num(r.open), exposure: money(r.exposure, true), pending: num(r.pending_approval) }),
          }))} />
      </Panel>
      <Panel id="team-weekly" title={t('team.weekly')} csv={csv('weekly')}>
        <div class="chart-pair">
          <Chart title={figureName('contacts_logged')} testId="team-weekly-contacts" integer ticks={ticks} labels={labels}
            series={[
              { label: figureName('contacts_logged'), values: column(weekly, 'contacts'), color: '--chart-1' },
              { label: figureName('reached'), values: column(weekly, 'reached'), color: '--chart-3' },
            ]}
            format={num} />
          <Chart title={figureName('sales_amount')} testId="team-weekly-sales" ticks={ticks} labels={labels}
            series={[{ label: figureName('sales_amount'), values: column(weekly, 'sales_amount'), color: '--chart-2' }]}
            format={(v) => money(v)} axis={axisMoney} />
        </div>
      </Panel>
      <ChannelsPanel id="team-channels" channels={channels} csv={csv('channels')} testId="team-channels" />
    </>
  );
}
