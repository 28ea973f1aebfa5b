import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { CustomerRow } from '../components/CustomerRow';
import { HandledEntry, PlanEntryCard } from '../components/PlanEntryCard';
import { nextWorkingDay, overlay, previousWorkingDay, rmsOf, splitPlan } from '../logic/plan';
import { PushPrompt } from '../components/Push';
import { AsOf, Empty, ErrorState, Skeleton } from '../components/States';
import { useLoad } from '../components/useLoad';
import type { Plan } from '../data/api';
import { firstScreenDrawn, yieldToMain } from '../data/idle';
import { outboxItems, syncedAt } from '../data/outbox-state';
import * as plans from '../data/plan';
import * as portfolio from '../data/portfolio';
import * as referrals from '../data/referrals';
import { user } from '../data/session';
import { locale, t, weekday } from '../i18n';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function href(date: string | null | undefined, rm: number | undefined): string {
  const params = new URLSearchParams();
  if (date) params.set('date', date);
  if (rm) params.set('rm', String(rm));
  const text = params.toString();
  return text ? `/?${text}` : '/';
}

/**
 * The day's plan. An RM sees and works their own; a lead reads the team's (the API answers
 * a lead with every RM's entries), narrowed to one RM with the picker, and does not change it.
 */
export function Today() {
  const { query, route } = useLocation();
  const date = typeof query.date === 'string' && ISO_DAY.test(query.date) ? query.date : undefined;
  const isLead = user.value?.role === 'lead';
  const rm = isLead && query.rm ? Number(query.rm) || undefined : undefined;
  const [state, reload] = useLoad(() => plans.plan(date), [date, syncedAt.value]);
  // drawn (effects run after the paint): the start-up work that waited for Today may go
  useEffect(() => {
    if (state.status !== 'loading') firstScreenDrawn();
  }, [state.status]);
  return (
    <section aria-labelledby="today-title">
      <header class="screen-head">
        <div class="today-head">
          <h1 id="today-title">{t('today.title')}</h1>
          {state.status === 'ready' && <DayNav plan={state.value.data} pinned={Boolean(date)} go={(d) => route(href(d, rm))} />}
          {state.status === 'loading' && <div class="day-nav head-placeholder" aria-hidden="true"><span class="btn small-action" /></div>}
        </div>
        {isLead && <LeadLinks />}
        {state.status === 'ready' && isLead && <RmPicker plan={state.value.data} value={rm} choose={(id) => route(href(date, id))} />}
        {state.status === 'ready' && <AsOf asOf={state.value.asOf} offline={state.value.offline} />}
        {state.status === 'loading' && <p class="as-of head-placeholder" aria-hidden="true">&nbsp;</p>}
      </header>
      {state.status === 'loading' && <Skeleton />}
      {state.status === 'error' && <ErrorState message={t('state.error', { detail: state.message })} onRetry={reload} />}
      {state.status === 'ready' && <PlanBody key={state.value.data.date} plan={state.value.data} today={!date} rm={rm} lead={isLead} />}
      <PushPrompt />
    </section>
  );
}

/** A lead's nav has no room for referrals: they are one tap away here, with how many are open. */
function LeadLinks() {
  useEffect(() => void referrals.refreshOpen(), []);
  const open = referrals.openReferrals.value;
  return (
    <p class="lead-links">
      <a href="/approvals" class="text-link">{t('plan.approvalsLink')}</a>
      <a href="/referrals" class="text-link" data-testid="team-referrals-link">
        {t('referrals.teamLink')}
        {open ? <span class="count">{t('referrals.openCount', { n: open })}</span> : null}
      </a>
    </p>
  );
}

function DayNav({ plan, pinned, go }: { plan: Plan; pinned: boolean; go: (date: string | null) => void }) {
  return (
    <nav class="day-nav" aria-label={t('plan.dayNav')}>
      <button type="button" class="btn small-action" onClick={() => go(previousWorkingDay(plan.date))} aria-label={t('plan.prevDay')}>‹</button>
      <p class="day-label" data-testid="plan-date" data-date={plan.date} aria-live="polite">{weekday(plan.date)}</p>
      <button type="button" class="btn small-action" onClick={() => go(nextWorkingDay(plan.date))} aria-label={t('plan.nextDay')}>›</button>
      {pinned && <button type="button" class="btn small-action" onClick={() => go(null)}>{t('plan.backToToday')}</button>}
    </nav>
  );
}

function RmPicker({ plan, value, choose }: { plan: Plan; value: number | undefined; choose: (rm: number | undefined) => void }) {
  const rms = rmsOf(plan.entries);
  if (value && !rms.some((r) => r.id === value)) rms.push({ id: value, name: `#${value}` });
  return (
    <label class="filter rm-picker">
      <span>{t('plan.rm')}</span>
      <select value={value ? String(value) : ''} onChange={(e) => choose(Number(e.currentTarget.value) || undefined)} data-testid="rm-picker">
        <option value="">{t('plan.allRms')}</option>
        {rms.map((r) => <option key={r.id} value={String(r.id)}>{r.name}</option>)}
      </select>
    </label>
  );
}

/** Cards drawn in the first pass (a phone's screen shows two or three), then a few more in
 * each following task: drawing a dozen cards at once holds the main thread for long. */
const FIRST_CARDS = 2;
const MORE_CARDS = 3;

/** How many of `total` cards to draw now: FIRST_CARDS, then MORE_CARDS more each task. */
function useGrowing(total: number): number {
  const [count, setCount] = useState(FIRST_CARDS);
  useEffect(() => {
    if (count >= total) return;
    let live = true;
    // effects run after the paint; the next cards come in a task of their own
    void yieldToMain().then(() => live && setCount((n) => n + MORE_CARDS));
    return () => {
      live = false;
    };
  }, [count, total]);
  return Math.min(count, total);
}

function PlanBody({ plan, today, rm, lead }: { plan: Plan; today: boolean; rm: number | undefined; lead: boolean }) {
  const entries = rm ? plan.entries.filter((e) => e.rm?.id === rm) : plan.entries;
  const drawn = useGrowing(entries.length);
  if (entries.length === 0) {
    return (
      <>
        <Empty message={plan.working_day === false ? t('plan.notWorkingDay') : t('plan.empty')} />
        {today && !lead && <LongestWithoutContact />}
      </>
    );
  }
  const shown = overlay(entries, outboxItems.value, plans.recent);
  const { mustDo, byTime, handled } = splitPlan(shown);
  const showRm = lead && !rm;
  // the first `drawn` cards, in the order they show: must do, by time, then those handled
  let left = drawn;
  const take = <T,>(list: T[]): T[] => {
    const part = list.slice(0, Math.max(0, left));
    left -= part.length;
    return part;
  };
  const groups = [
    { key: 'must', title: t('plan.mustDo'), total: mustDo.length, entries: take(mustDo) },
    { key: 'time', title: mustDo.length ? t('plan.byTime') : t('plan.allByTime'), total: byTime.length, entries: take(byTime) },
  ];
  const drawnHandled = take(handled);
  return (
    <>
      {mustDo.length + byTime.length === 0 ? <Empty message={t('plan.allHandled')} /> : (
        <div class="plan" data-testid="today-list" lang={locale.value}>
          {groups.filter((g) => g.entries.length > 0).map(({ key, title, total, entries: inGroup }) => (
            <section key={key} aria-labelledby={`group-${key}`} class={`band band-${key}`} data-testid={`group-${key}`}>
              <h2 id={`group-${key}`}>{title} <span class="count">{total}</span></h2>
              <ul class="plan-list">
                {inGroup.map((e) => <PlanEntryCard key={e.id} entry={e} readOnly={lead} showRm={showRm} />)}
              </ul>
            </section>
          ))}
        </div>
      )}
      {drawnHandled.length > 0 && (
        <section aria-labelledby="band-handled" class="band band-handled" data-testid="handled-list">
          <h2 id="band-handled">{t('plan.handled')} <span class="count">{handled.length}</span></h2>
          <ul class="plan-list">
            {drawnHandled.map((e) => <HandledEntry key={e.id} entry={e} showRm={showRm} />)}
          </ul>
        </section>
      )}
    </>
  );
}

/** A day without a plan (a weekend, or before the first nightly run) still offers whom to call. */
function LongestWithoutContact() {
  const [state] = useLoad(() => portfolio.longestWithoutContact(), []);
  if (state.status !== 'ready' || state.value.data.items.length === 0) return null;
  return (
    <section aria-labelledby="fallback-title" class="band">
      <h2 id="fallback-title">{t('plan.fallback')}</h2>
      <ul class="list" data-testid="today-list" lang={locale.value}>
        {state.value.data.items.map((c) => <CustomerRow key={c.id} customer={c} showContact />)}
      </ul>
    </section>
  );
}
