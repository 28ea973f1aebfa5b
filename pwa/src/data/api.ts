// The API client: the only place that calls fetch. Sends the CSRF token on writes.
import { serverAnsweredAt } from './network';

export type User = {
  id: number;
  username: string;
  display_name: string;
  role: string;
  team: { id: number; name: string } | null;
  locale: string;
};

export type CustomerSummary = {
  id: number;
  external_id: string;
  name: string;
  name_en: string | null;
  segment: string;
  tier: string;
  status: string;
  industry: string | null;
  region: string | null;
  last_contact_at: string | null;
};

export type CustomerPage = { items: CustomerSummary[]; total: number; page: number; per_page: number };

export type Card = CustomerSummary & {
  founded_on: string | null;
  employees: number | null;
  phone: string | null;
  email: string | null;
  owner: { name: string | null; name_en: string | null };
  rm: { id: number; name: string } | null;
  accounts: {
    id: number;
    product: { code: string; name: string; name_en: string; family: string; is_credit: boolean };
    balance: number;
    limit: number | null;
    maturity_on: string | null;
    days_overdue: number;
    status: string;
  }[];
  related_parties: {
    id: number;
    kind: string;
    type: string;
    name: string | null;
    name_en: string | null;
    customer: { id: number; name: string } | null;
    in_portfolio: boolean;
  }[];
  profitability: { revenue: number; cost_to_serve: number; margin: number };
  series: { months: string[]; deposit_balance: number[]; credit_balance: number[] };
  channel_mix: { channel: string; count: number; share: number }[];
  transactions: { id: number; posted_at: string; amount: number; channel: string; kind: string; product: { name: string; name_en: string } }[];
  interactions: {
    id: number; client_id: string; version: number; channel: string; started_at: string; outcome: string;
    notes: string | null; products_discussed: { product_code: string; answer: string; reason?: string }[];
    follow_up_on: string | null; follow_up_objective: string | null; rm: { id: number; name: string };
  }[];
  satisfaction: { responses: number; average: number | null; index: number | null };
  scores: { model: string; version: string; value: number; band: string; change: number | null; as_of: string;
    product?: { code: string; name: string; name_en: string } | null;
    reasons: { code: string; zh: string; en: string; value?: number }[] }[];
  // the morning (docs/calendar.md): absent from servers without the planner
  moments?: Moment[];
  risk_cases?: RiskCase[];
  // next best products (docs/offers.md): absent from servers without the offers step
  offers?: Offer[];
  // the tier that fits the customer's balances (docs/offers.md)
  package?: Package | null;
  // what the customer's related parties could use; `customer` only for parties in the reader's portfolio
  related_needs?: RelatedNeed[];
};

export type Package = {
  tier: string;
  fee: number;
  balance: number;
  linked_balance: number;
  fees: { basic: number; intermediate: number; advanced: number };
  suggestion: { tier: string; fee: number; saving: number } | null;
};

export type RelatedNeed = {
  party_id: number;
  kind: string;
  customer: { id: number; name: string } | null;
  referral: boolean;
  product: { code: string; name: string; name_en: string };
  line: string;
  zh: string;
  en: string;
};

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: { error?: string; message?: string; fields?: Record<string, string[]> },
  ) {
    super(body.message ?? `HTTP ${status}`);
  }
}

/** Raised when the network, not the server, failed: the caller may fall back to saved data. */
export class OfflineError extends Error {}

let csrfToken: string | null = null;

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new OfflineError('network unavailable');
  }
  if (response.status < 502) serverAnsweredAt.value = Date.now(); // a proxy's 502-504 is not the server
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data as T;
}

type Session = { user: User; csrf_token: string };

export async function login(username: string, password: string): Promise<User> {
  const session = await request<Session>('POST', '/auth/login', { username, password });
  csrfToken = session.csrf_token;
  return session.user;
}

export async function me(): Promise<User> {
  const session = await request<Session>('GET', '/auth/me');
  csrfToken = session.csrf_token;
  return session.user;
}

/** The session's CSRF token, kept so the service worker can replay the outbox. */
export function currentCsrf(): string | null {
  return csrfToken;
}

export async function logout(): Promise<void> {
  await request<void>('POST', '/auth/logout');
  csrfToken = null;
}

/** One signed-in device of the user (GET /auth/sessions). */
export type DeviceSession = {
  id: number;
  device: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_seen_at: string;
  current: boolean;
};

export async function listSessions(): Promise<DeviceSession[]> {
  return (await request<{ items: DeviceSession[] }>('GET', '/auth/sessions')).items;
}

export function endSession(id: number): Promise<void> {
  return request<void>('DELETE', `/auth/sessions/${id}`);
}

export type CustomerQuery = {
  q?: string;
  segment?: string;
  tier?: string;
  status?: string;
  sort?: 'name' | 'last_contact';
  include_closed?: boolean;
  page?: number;
  per_page?: number;
};

export function queryString(query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function listCustomers(query: CustomerQuery): Promise<CustomerPage> {
  return request<CustomerPage>('GET', `/customers${queryString(query)}`);
}

export function getCustomer(id: number): Promise<Card> {
  return request<Card>('GET', `/customers/${id}`);
}

export type Product = { code: string; name: string; name_en: string; family: string; line: string };

export function listProducts(): Promise<{ items: Product[] }> {
  return request<{ items: Product[] }>('GET', '/products');
}

// --- the morning: plan, key moments, risk cases, approvals (docs/calendar.md)

export type Reason = { code: string; zh: string; en: string; value?: number | string | null };

export type PlanState = 'planned' | 'done' | 'snoozed' | 'dismissed' | 'missed';

export type PlanEntry = {
  id: number;
  day: string;
  rm?: { id: number; name: string }; // a lead reads the whole team's plan
  dismiss_reason?: string | null;
  customer: { id: number; name: string; name_en: string | null; segment: string; phone?: string | null };
  reasons: Reason[];
  objective: string | null;
  objective_en: string | null;
  channel: string;
  suggested_hour: number | null;
  priority: number;
  priority_band: 'high' | 'medium' | 'low';
  state: PlanState;
  version: number;
  is_marketing: boolean;
  carried_days: number;
  snoozed_to: string | null;
  moment_id: number | null;
  risk_case_id: number | null;
  last_contact: { at: string; channel: string; outcome: string; notes: string | null } | null;
};

export type Plan = {
  date: string;
  entries: PlanEntry[];
  rm?: { id: number; name: string } | null;
  capacity?: Record<string, number> | null;
  working_day?: boolean;
};

export type Moment = {
  id: number;
  kind: string;
  due_on: string;
  severity: number;
  state: 'open' | 'acknowledged' | 'done' | 'dismissed';
  reasons: Reason[] | null;
  detail?: Record<string, unknown> | null;
};

export type RiskCase = {
  id: number;
  customer_id?: number;
  opened_on: string;
  signals: Reason[];
  probability: number;
  exposure: number;
  expected_loss: number;
  severity: number;
  tier_response: 'automated' | 'escalated' | string;
  state: 'open' | 'pending_approval' | 'closed';
  requested_action: 'waiver' | 'extension' | null;
  action_detail: Record<string, unknown> | null;
  decision: 'approved' | 'refused' | null;
  decision_note: string | null;
};

export type RiskRequest = {
  action: 'waiver' | 'extension';
  cooperative: true;
  waiver_share?: number;
  extension_days?: number;
  revaluation?: number; // the re-valued collateral, for an extension
  note?: string;
};

export type RiskApproval = {
  kind: 'risk_case';
  id: number;
  customer: { id: number; name: string; name_en: string | null; segment: string };
  action: 'waiver' | 'extension';
  detail: Record<string, unknown> | null;
  note: string | null;
  requested_by: { id: number; name: string };
  requested_at: string;
  probability: number;
  exposure: number;
  severity: number;
  signals: Reason[];
};

export type QuoteApproval = {
  kind: 'quote';
  id: number;
  customer: { id: number; name: string; name_en: string | null; segment: string };
  detail: {
    price: number;
    unit: PriceUnit;
    band: { min: number; max: number };
    list: number | null;
    floor: number | null;
    product: { code: string; name: string; name_en: string };
    expires_at: string | null;
  };
  note: string | null;
  requested_by: { id: number; name: string };
  requested_at: string;
};

export type Approval = RiskApproval | QuoteApproval;

export function getPlan(date?: string, rm?: number): Promise<Plan> {
  const params = new URLSearchParams();
  if (date) params.set('date', date);
  if (rm) params.set('rm', String(rm));
  const text = params.toString();
  return request<Plan>('GET', `/plan${text ? `?${text}` : ''}`);
}

export function refreshPlan(): Promise<unknown> {
  return request<unknown>('POST', '/plan/refresh');
}

export function createFeed(): Promise<{ url: string }> {
  return request<{ url: string }>('POST', '/plan/feed');
}

export function revokeFeed(): Promise<void> {
  return request<void>('DELETE', '/plan/feed');
}

export function updateMoment(id: number, body: { state: Moment['state']; reason?: string }): Promise<Moment> {
  return request<Moment>('PATCH', `/moments/${id}`, body);
}

export function requestRiskAction(id: number, body: RiskRequest): Promise<RiskCase> {
  return request<RiskCase>('POST', `/risk-cases/${id}/request`, body);
}

export function decideRiskCase(id: number, body: { decision: 'approved' | 'refused'; note?: string }): Promise<RiskCase> {
  return request<RiskCase>('POST', `/risk-cases/${id}/decision`, body);
}

export async function listRiskCases(): Promise<RiskCase[]> {
  return (await request<{ items: RiskCase[] }>('GET', '/risk-cases')).items;
}

export async function listApprovals(): Promise<Approval[]> {
  const data = await request<{ items: Approval[] } | Approval[]>('GET', '/approvals');
  const items = Array.isArray(data) ? data : (data.items ?? []);
  return items.map((a) => (a.kind ? a : { ...(a as RiskApproval), kind: 'risk_case' }));
}

// --- offers, price guidance and quotes (docs/offers.md)

export type PriceUnit = 'rate' | 'fee';
export type OfferState = 'suggested' | 'presented' | 'accepted' | 'declined' | 'sold' | 'expired';

export type Price = {
  unit: PriceUnit;
  list: number;
  floor: number;
  suggested: number;
  band: { min: number; max: number };
  pd: number | null;
  pd_default: boolean;
};

export type Offer = {
  id: number;
  product: { code: string; name: string; name_en: string; family: string; is_credit: boolean };
  score: number;
  expected_value: number;
  reasons: Reason[];
  price: Price | null;
  state: OfferState;
};

export type OfferFeedback = { state: 'presented' | 'accepted' | 'declined' | 'sold'; reason?: string; amount?: number };

export type QuoteState = 'approved' | 'pending_approval' | 'refused' | 'expired';

export type Quote = {
  id: number;
  offer_id: number;
  price: number;
  unit: PriceUnit;
  band_min: number;
  band_max: number;
  state: QuoteState;
  expires_at: string | null;
  note: string | null;
};

export async function listOffers(customerId: number): Promise<Offer[]> {
  return (await request<{ items: Offer[] }>('GET', `/customers/${customerId}/offers`)).items;
}

export function createQuote(body: { offer_id: number; price: number; note?: string }): Promise<Quote> {
  return request<Quote>('POST', '/quotes', body);
}

export function decideQuote(id: number, decision: 'approve' | 'refuse', body: { note?: string }): Promise<Quote> {
  return request<Quote>('POST', `/quotes/${id}/${decision}`, body);
}

// --- cross-line referrals (docs/offers.md)

export type ReferralState = 'new' | 'acknowledged' | 'contacted' | 'won' | 'lost';

export type Prospect = { name: string; phone?: string | null; contact?: string | null; region?: string | null };

export type Sla = { ack_due: string | null; contact_due: string | null; ack_missed: boolean; contact_missed: boolean };

export type Referral = {
  id: number;
  state: ReferralState | string;
  need: string;
  product_code: string | null;
  // a referrer sees only the number they gave, never the customer's data
  customer: { id?: number; name?: string; name_en?: string | null; external_id?: string } | null;
  prospect: Prospect | null;
  referrer?: { id: number; name: string; line: string | null } | null;
  rm: { id: number; name: string } | null;
  created_at: string;
  sla: Sla | null;
  acknowledged_at?: string | null;
  first_contact_at?: string | null;
  closed_at?: string | null;
  lost_reason?: string | null;
  credit?: { rm_id: number; referrer_id: number; offer_id: number; amount: number } | null;
};

export type ReferralBody = {
  customer_external_id?: string;
  prospect?: Prospect;
  need: string;
  product_code?: string;
};

export type ReferralChange = { state: 'acknowledged' | 'contacted' | 'won' | 'lost'; reason?: string };

export function createReferral(body: ReferralBody): Promise<Referral> {
  return request<Referral>('POST', '/referrals', body);
}

export async function listReferrals(): Promise<Referral[]> {
  const data = await request<{ items: Referral[] } | Referral[]>('GET', '/referrals');
  return Array.isArray(data) ? data : (data.items ?? []);
}

export function updateReferral(id: number, body: ReferralChange): Promise<Referral> {
  return request<Referral>('PATCH', `/referrals/${id}`, body);
}

// --- alerts: Web Push and the in-app inbox (docs/push.md)

export type AlertKind = 'briefing' | 'risk_high' | 'risk' | 'approval_requested' | 'approval_decided' | 'renewal_due' | 'referral' | 'test';

export type PushPreferences = {
  kinds: Partial<Record<AlertKind, boolean>>;
  quiet_start: string | null;
  quiet_end: string | null;
  time_zone?: string | null;
  urgent_kinds?: string[];
};

export type SubscriptionBody = { endpoint: string; keys: { p256dh: string; auth: string }; user_agent?: string };

export type Alert = {
  id: number;
  kind: string;
  title: string;
  body: string;
  url: string;
  status: string;
  created_at: string;
  read_at: string | null;
};

export type Inbox = { items: Alert[]; unread: number };

export function pushKey(): Promise<{ public_key: string }> {
  return request<{ public_key: string }>('GET', '/push/key');
}

export function addSubscription(body: SubscriptionBody): Promise<unknown> {
  return request<unknown>('POST', '/push/subscriptions', body);
}

export function removeSubscription(endpoint: string): Promise<void> {
  return request<void>('DELETE', '/push/subscriptions', { endpoint });
}

export function getPushPreferences(): Promise<PushPreferences> {
  return request<PushPreferences>('GET', '/push/preferences');
}

export function putPushPreferences(body: PushPreferences): Promise<PushPreferences> {
  return request<PushPreferences>('PUT', '/push/preferences', body);
}

export function sendTestPush(): Promise<unknown> {
  return request<unknown>('POST', '/push/test');
}

export function getInbox(unreadOnly = false): Promise<Inbox> {
  return request<Inbox>('GET', `/notifications${unreadOnly ? '?unread=1' : ''}`);
}

export function markAlertsRead(body: { ids: number[] } | { all: true }): Promise<{ marked: number }> {
  return request<{ marked: number }>('POST', '/notifications/read', body);
}

// --- reports: the RM's month, the team dashboard, products (docs/reports.md)

export type ReportKind = 'rm' | 'team' | 'products';
export type ReportArgs = { month?: string; rm?: number };

export function getReport<T>(kind: ReportKind, args: ReportArgs): Promise<T> {
  return request<T>('GET', `/reports/${kind}${queryString(args)}`);
}

/** The address of one table of a report as CSV (the server names the file). */
export function reportCsvUrl(kind: ReportKind, table: string, args: ReportArgs): string {
  return `/api/v1/reports/${kind}${queryString({ format: 'csv', table, ...args })}`;
}
