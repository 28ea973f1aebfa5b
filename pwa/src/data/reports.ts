// Reports (docs/reports.md): an RM's month, the team dashboard, products and experiments.
// They need a connection and are not saved on the device: figures change every day, and
// a lead's or analyst's aggregates have no use offline.
import { signal } from '@preact/signals';
import * as api from './api';

export type Figures = Record<string, number | null>;

export type ReportHeader = {
  kind: api.ReportKind;
  month: string; // YYYY-MM
  from: string;
  to: string;
  closed: boolean;
  generated_at: string;
  snapshot: { taken_at: string } | null;
};

export type FigureRow = { figure: string; value: number | null; team_median: number | null };
export type ChannelRow = { channel: string; planned: number; done: number; logged: number; reached: number };
export type FunnelRow = { stage: 'presented' | 'accepted' | 'sold' | string; count: number; team_median: number | null };
export type TrendRow = {
  week?: string;
  month?: string;
  contacts: number;
  reached: number;
  sales_amount: number;
  team_median_contacts?: number | null;
  team_median_reached?: number | null;
  team_median_sales_amount?: number | null;
};

export type RmReport = ReportHeader & {
  rm: { id: number; name: string };
  team: { id: number; name: string } | null;
  figures: Figures;
  team_median: Figures;
  tables: { figures: FigureRow[]; channels: ChannelRow[]; funnel: FunnelRow[]; weekly: TrendRow[]; monthly: TrendRow[] };
};

export type RmRow = Figures & { rm_id: number; rm_name: string };
export type RiskRow = { severity: number; open: number; pending_approval: number; exposure: number };

export type TeamReport = ReportHeader & {
  team: { id: number; name: string };
  totals: Figures;
  median: Figures;
  approvals: { risk_cases: number; quotes: number; total: number };
  tables: { rms: RmRow[]; channels: ChannelRow[]; risk_cases: RiskRow[]; weekly: TrendRow[] };
};

export type PortfolioRow = {
  code: string;
  name: string;
  name_en: string | null;
  family: string;
  line: string;
  holders: number;
  new_sales: number;
  revenue: number;
  cost: number;
  margin: number;
  uptake: number | null;
  simplify: boolean;
};

export type ArmRow = {
  experiment: string;
  state: string;
  started_on: string | null;
  cell: string;
  version: string | null;
  customers: number;
  sales_amount: number;
} & Record<`${'acceptance' | 'sales' | 'contact_success'}_${'rate' | 'low' | 'high' | 'n'}`, number | null>;

export type ModelRow = {
  model: string;
  version: string;
  role: string;
  kind: string;
  trained_at: string;
  auc: number | null;
  n: number | null;
  base_rate: number | null;
  lift_10: number | null;
  capture_20: number | null;
};

export type MonthlySalesRow = { month: string; new_accounts: number; offers_sold: number; sold_amount: number };

export type ProductsReport = ReportHeader & {
  simplify_candidates: number;
  simplify_share: number | null;
  tables: { portfolio: PortfolioRow[]; experiments: ArmRow[]; models: ModelRow[]; monthly: MonthlySalesRow[] };
};

/** The bank's running month, learnt from the last report of it the server sent. */
export const runningMonth = signal<string | null>(null);

async function load<T extends ReportHeader>(kind: api.ReportKind, args: api.ReportArgs): Promise<T> {
  const report = await api.getReport<T>(kind, args);
  if (!report.closed) runningMonth.value = report.month;
  return report;
}

/** An RM's month: their own, or (for a lead) one of the team's RMs. */
export function rm(args: api.ReportArgs): Promise<RmReport> {
  return load<RmReport>('rm', args);
}

export function team(args: api.ReportArgs): Promise<TeamReport> {
  return load<TeamReport>('team', args);
}

export function products(args: api.ReportArgs): Promise<ProductsReport> {
  return load<ProductsReport>('products', args);
}

/** Where a table of the report downloads as CSV: the same month (and RM) as on screen. */
export const csvUrl = api.reportCsvUrl;
