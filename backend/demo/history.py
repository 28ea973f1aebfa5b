"""The app's own history over the last HISTORY_DAYS: plan entries behind the contacts, an
offer funnel, key moments replayed, surveys and referrals."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from flask import current_app
from sqlalchemy import Date, bindparam, cast, func, insert, select, update

from backend import texts
from backend.calendar.models import PlanEntry
from backend.calendar.planner import MAX_REASONS
from backend.customers.models import (
    ContactPolicy,
    Customer,
)
from backend.demo.base import BIG, CHUNK, DAY, _Calendar, _sigmoid
from backend.demo.words import CREDIT, DECLINE_REASONS, DEPOSIT_LIKE, HELD
from backend.demo.writing import CONTACT_CHANNELS
from backend.extensions import db
from backend.models_base import utcnow
from backend.moments import detectors
from backend.moments.models import KeyMoment
from backend.offers.models import Offer
from backend.offers.ranking import value_if_sold
from backend.referrals.models import Referral
from backend.timeutil import bank_day_sql, start_of_bank_day
from backend.visits import surveys
from backend.visits.models import Interaction, Survey
from backend.workdays import BUSINESS_DAY_MINUTES, WorkCalendar, add_business_minutes

# --------------------------------------------------------------------------- app-use history

HISTORY_DAYS = 120  # plan entries, offers, surveys and referrals of the last months
PITCHABLE = tuple(c for c in HELD if c != "CGI")  # credit insurance goes with a loan only
OFFER_SHARE = 0.09  # customers with offers in the history
# Of the offers made: sold / accepted (not sold yet); the rest presented or declined.
FUNNEL = {"sold": 0.27, "accepted": 0.18, "presented": 0.10, "declined": 0.45}
MARKETING_KINDS = ("offer", "dormancy")
DISMISS_REASONS = ("客户近期已通过其他渠道联系过", "客户出差，下月再约",
                   "客户表示暂无需求，本期不打扰", "已由同事跟进", "客户要求减少营销联系",
                   "企业负责人变更，待确认新联系人")
LOST_REASONS = ("客户已在他行办理", "客户暂无实际需求", "利率或费率未达客户预期",
                "客户资质暂不符合准入要求", "多次联系未能约见负责人")
REFERRAL_NEEDS = {
    "WCL": "老板来网点办理个人业务时提到旺季备货资金紧张，想了解流动资金贷款",
    "INST": "企业计划购置新设备，咨询分期贷款的额度和期限",
    "PAY": "企业员工在我行开立工资卡，老板有意把代发工资转到我行",
    "POS": "门店准备开分店，需要开通收单和扫码收款",
    "TD": "企业账上有一笔闲置资金，想了解对公定期存款利率",
    "MMF": "老板希望企业闲置资金既能随时支取又有收益",
    "CMS": "几家关联公司账户分散，希望统一做资金归集",
    "INS": "老板咨询厂房和存货的财产保险",
    "BCARD": "员工出差较多，老板想办理商务卡统一报销",
    "FUND": "企业想把短期闲置资金买货币基金",
}
SURVEY_COMMENTS = {
    5: ("客户经理很专业，响应及时。", "服务热情，解答清楚，点赞！", "办理效率高，非常满意。"),
    4: ("整体不错，希望审批再快一些。", "沟通顺畅，资料准备说明得很清楚。"),
    3: ("还可以，联系时间能再灵活些。", "希望能提前告知所需材料。"),
    2: ("等待时间较长。", "问题没有一次说清楚，来回跑了两趟。"),
    1: ("电话总是打不通，很不满意。",),
}
TOKEN_CHARS = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


def _history(rng, w, ids, cal, products, staff, utc_start, state, contacts) -> dict:
    """The app's use over the last HISTORY_DAYS before today, so reports have a past."""
    past = _History(rng, w, ids, cal, products, staff, utc_start, state, contacts)
    offers = past.offers()
    entries = past.plan(offers)
    surveys_made = past.surveys()
    referrals = past.referrals(offers)
    moments = _past_moments(rng, cal)
    return {"plan_entries": entries, "offers": len(offers), "surveys": surveys_made,
            "referrals": referrals, "moments": moments}


# What the RMs did with a key moment once due: handled within its SLA, handled late,
# dismissed with a reason, or (within the last month only) not yet handled.
MOMENT_FATES = {"in_sla": 0.68, "late": 0.14, "dismissed": 0.10, "open": 0.08}
MOMENT_REPLAY_DAYS = 14  # the detectors are replayed every this many days of the history


def _past_moments(rng, cal: _Calendar) -> int:
    """Key moments of the history window, raised as the nightly detectors would have raised
    them then (activation, renewal, dormancy: replayed on past dates), and their fates.

    Retention needs scores the models have not made yet: its moments start with the first
    pipeline run, as in a bank that has just installed the app.
    """
    config = current_app.config
    sla_days, lookback = config["MOMENT_SLA_DAYS"], config["OVERDUE_LOOKBACK_DAYS"]
    work = WorkCalendar.load()
    today, now = cal.today, utcnow()
    rm_of = dict(db.session.execute(select(Customer.id, Customer.rm_id)).all())
    moment = KeyMoment.__table__
    for back in range(HISTORY_DAYS, 0, -MOMENT_REPLAY_DAYS):
        as_of = today - timedelta(days=back)
        newest = db.session.scalar(select(func.coalesce(func.max(moment.c.id), 0)))
        activity = detectors.last_own_activity(as_of)
        detectors.upsert_moments([*detectors.activation(as_of, work),
                                  *detectors.renewal(as_of, work),
                                  *detectors.dormancy(as_of, activity)])
        raised_at = start_of_bank_day(as_of) + timedelta(hours=2)  # the nightly run
        updates = []
        for mid, cid, kind, due in db.session.execute(
                select(moment.c.id, moment.c.customer_id, moment.c.kind, moment.c.due_on)
                .where(moment.c.id > newest)):
            row = {"mid": mid, "raised": raised_at, "fate": "open", "at": None, "by": None,
                   "why": None}
            updates.append(row)
            if due >= today:
                continue  # not due yet: still open, as the app shows it this morning
            deadline = due + timedelta(days=sla_days.get(kind, sla_days["default"]))
            fate = rng.choice(list(MOMENT_FATES), p=list(MOMENT_FATES.values()))
            if fate == "open" and (today - due).days > lookback:
                fate = "dismissed"
            if fate == "open":
                continue
            at = _handled_at(rng, fate == "late", as_of, due, deadline)
            if at >= now:
                continue
            row.update(fate="done" if fate != "dismissed" else "dismissed", at=at,
                       by=rm_of.get(cid),
                       why=DISMISS_REASONS[int(rng.integers(0, len(DISMISS_REASONS)))]
                       if fate == "dismissed" else None)
        if updates:
            db.session.execute(
                update(moment).where(moment.c.id == bindparam("mid")).values(
                    created_at=bindparam("raised"), state=bindparam("fate"),
                    resolved_at=bindparam("at"), resolved_by=bindparam("by"),
                    resolution=bindparam("why")),
                updates)
    return db.session.scalar(select(func.count()).select_from(moment))


def _handled_at(rng, late: bool, raised: date, due: date, deadline: date) -> datetime:
    """When an RM handled a moment: by its deadline, or up to 12 days after it; never
    before it was raised (an old lapse found by the first run is late)."""
    if late:
        first = max(deadline + timedelta(days=1), raised)
        last = first + timedelta(days=11)
    else:
        first = max(raised, due - timedelta(days=2))
        last = max(deadline, first)
    day = first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))
    return start_of_bank_day(day) + timedelta(hours=float(rng.uniform(8.5, 18.5)))


def _insert(table, rows: list[dict]) -> None:
    """Plain bulk inserts (RETURNING in parameter order goes row by row on SQLite; the new
    ids are read back by their natural keys instead)."""
    for lo in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[lo:lo + CHUNK])


class _History:
    """Past plan entries, offers, surveys and referrals, drawn around the demo contacts.

    Time is counted as transactions count it: seconds from the bank's midnight starting
    day 0 (`utc_start` is that instant in naive UTC). Nothing happens after `now_t`: the
    earlier of the real now and the end of `today`.
    """

    def __init__(self, rng, w, ids, cal, products, staff, utc_start, state, contacts):
        self.rng, self.w, self.ids, self.cal, self.products = rng, w, ids, cal, products
        self.k = contacts
        self.D = cal.D
        self.h0 = max(cal.D - HISTORY_DAYS, 0)
        self.base = utc_start.astype(datetime)
        self.now_t = min(int((utcnow() - self.base).total_seconds()), (cal.D + 1) * DAY)
        self.zone = ZoneInfo(current_app.config["BANK_TIMEZONE"])
        self.start_local = datetime.combine(cal.start, datetime.min.time())
        self.rm_ids = staff["rm_ids"]
        self.referrer = staff["users"]["referrer1"].id
        self.work = WorkCalendar.load()
        self.working = np.array([self.work.is_working(cal.date_of(d)) for d in range(cal.D)],
                                dtype=bool)
        self.on_books = w["close"] >= BIG
        self.sales = state["sales"]
        self.held = defaultdict(list)  # (customer, code) -> [(open day, close day)]
        for cust, code, opened, closed in state.get("spans", []):
            sel = code != "CUR"
            for c, p, o, e in zip(cust[sel].tolist(), code[sel].tolist(), opened[sel].tolist(),
                                  closed[sel].tolist(), strict=True):
                self.held[c, p].append((o, e))
        # Contacts by customer and time, and each one's previous contact (any time).
        k = contacts
        self.order = np.lexsort((k["t"], k["c"]))
        self.by_c = k["c"][self.order]
        self.prev = np.full(len(self.order), -1)
        same = self.by_c[1:] == self.by_c[:-1]
        self.prev[self.order[1:][same]] = self.order[:-1][same]
        # Plain lists for the row-by-row work (numpy scalars are slow one at a time).
        self.kl = {name: (v.tolist() if isinstance(v, np.ndarray) else v)
                   for name, v in contacts.items()}
        self.prev_l = self.prev.tolist()
        policies = list(db.session.scalars(select(ContactPolicy)))
        self.cadence = {p.segment: p.cadence_days for p in policies}
        self.channels = {p.segment: list(p.preferred_channels or ()) for p in policies}
        # Interaction ids of the contacts a history row may point at.
        self.iid = dict(db.session.execute(
            select(Interaction.client_id, Interaction.id)
            .where(Interaction.started_at >= self.stamp((self.h0 - 40) * DAY))).all())

    # ---- helpers

    def stamp(self, t) -> datetime:
        """Naive UTC of a window second."""
        return self.base + timedelta(seconds=int(t))

    def sec(self, lo_hour: float, hi_hour: float) -> int:
        return int(self.rng.uniform(lo_hour, hi_hour) * 3600)

    def workday(self, lo: int, hi: int) -> int | None:
        """A random working day in [lo, hi), or None."""
        lo, hi = max(lo, 0), min(hi, self.D)
        days = np.flatnonzero(self.working[lo:hi]) if hi > lo else []
        return int(days[self.rng.integers(0, len(days))]) + lo if len(days) else None

    def business(self, t: int, minutes: int) -> int:
        """t plus business minutes (09:00-17:30 on working days), as the referral SLA counts."""
        moment = (self.start_local + timedelta(seconds=int(t))).replace(tzinfo=self.zone)
        later = add_business_minutes(self.work, moment, int(minutes))
        return int((later.replace(tzinfo=None) - self.start_local).total_seconds())

    def held_on(self, c: int, code: str, day: int) -> bool:
        return any(o <= day < e for o, e in self.held.get((c, code), ()))

    def free_from(self, c: int, code: str, day: int) -> bool:
        """The customer holds no account of the product on `day` nor opens one later."""
        return all(e <= day for _, e in self.held.get((c, code), ()))

    def contacts_of(self, c: int) -> np.ndarray:
        """The customer's contacts (indexes into the contact arrays), in time order."""
        lo, hi = np.searchsorted(self.by_c, [c, c + 1])
        return self.order[lo:hi]

    def value(self, c: int, code: str) -> float:
        """Expected yearly value of the product to the bank, as the ranking reckons it."""
        w = self.w
        basis = w["balance"][c] * 1.5 if code in DEPOSIT_LIKE else \
            w["revenue"][c] * 0.08 if code in CREDIT else w["turnover"][c] * 0.1
        return max(float(w["propensity"][code][c]) * value_if_sold(self.products[code], basis),
                   50.0)

    # ---- offers

    def offers(self) -> list[dict]:
        """1-2 offers for some customers, moved along the funnel (sold ones were opened)."""
        rng, w, D, h0 = self.rng, self.w, self.D, self.h0
        ok = self.on_books & (w["onboard"] < D - 30)
        per = 1 + (rng.random(int(round(OFFER_SHARE * ok.sum()))) < 0.5)
        total = int(per.sum())
        made = []
        # Sold: an account the customer opened in the window, offered some weeks before.
        sales = [s for s in self.sales if ok[s[0]] and h0 + 7 <= s[2] < D and s[1] in PITCHABLE]
        # Taken in turns from each RM's months, so every RM has sales in most months.
        month = self.cal.month_of(np.array([s[2] for s in sales], dtype=np.int64))
        customers = set()
        for i in _in_turns(rng, [(int(w["rm"][s[0]]), int(m)) for s, m in zip(sales, month,
                                                                                 strict=True)]):
            if len(made) >= round(FUNNEL["sold"] * total):
                break
            c, code, day, amount = sales[i]
            as_of = max(h0, day - int(rng.integers(5, 41)))
            if c in customers or self.held_on(c, code, as_of):
                continue
            amount = amount or 12 * float(self.products[code].monthly_fee or 0)
            made.append({"c": c, "code": code, "as_of": as_of, "state": "sold",
                         "t": day * DAY + self.sec(10, 16.5), "amount": round(float(amount), 2)})
            customers.add(c)
        # The others: presented at a contact when there was one, then accepted or declined.
        rest = total - len(made)
        shares = np.array([FUNNEL[s] for s in ("accepted", "presented", "declined")])
        states = rng.choice(["accepted", "presented", "declined"], rest, p=shares / shares.sum())
        pool = [c for c in np.flatnonzero(ok)[_in_turns(rng, w["rm"][ok].tolist())].tolist()
                if c not in customers]
        s = 0
        for c in pool:
            if s >= rest:
                break
            codes = set()
            for _ in range(min(rest - s, 1 + int(rng.random() < 0.5))):
                st = str(states[s])
                s += 1
                lo = max(h0, int(w["onboard"][c]) + 14,
                         D - {"presented": 30, "accepted": 60}.get(st, HISTORY_DAYS))
                t = self.offer_contact(c, lo)
                if t is None:
                    day = self.workday(lo, D)
                    if day is None:
                        continue
                    t = day * DAY + self.sec(9, 17.5)
                as_of = int(t // DAY)
                free = [p for p in PITCHABLE if p not in codes and self.free_from(c, p, as_of)]
                if not free:
                    continue
                p = np.array([w["propensity"][x][c] for x in free]) + 1e-9
                code = free[int(rng.choice(len(free), p=p / p.sum()))]
                codes.add(code)
                if st != "presented":
                    later = min(as_of + int(rng.integers(0, 11 if st == "accepted" else 8)), D - 1)
                    t = max(t + 600, later * DAY + self.sec(9, 18))
                made.append({"c": c, "code": code, "as_of": as_of, "state": st, "t": t,
                             "amount": None})
        rows = []
        for o in made:
            c, code = o["c"], o["code"]
            p = np.clip(w["propensity"][code][c], 1e-4, 1 - 1e-4)
            score = round(float(_sigmoid(np.log(p / (1 - p)) + rng.normal(0, 0.4))), 6)
            ev = round(self.value(c, code), 2)
            o["ev"] = ev
            rows.append({
                "customer_id": int(self.ids[c]), "product_id": self.products[code].id,
                "as_of": self.cal.date_of(o["as_of"]), "score": score, "expected_value": ev,
                "reasons": [texts.reason("offer.value", ev)],
                "price": None, "state": o["state"], "state_changed_at": self.stamp(o["t"]),
                "decline_reason": DECLINE_REASONS[int(rng.integers(0, len(DECLINE_REASONS)))]
                if o["state"] == "declined" else None,
                "sold_amount": o["amount"],
                "credited_rm_id": int(self.rm_ids[w["rm"][c]]) if o["state"] == "sold" else None,
            })
        _insert(Offer.__table__, rows)
        # One offer a customer and product: the key of the rows just written.
        ids = {(cid, pid): oid for oid, cid, pid in db.session.execute(
            select(Offer.id, Offer.customer_id, Offer.product_id))}
        for o, row in zip(made, rows, strict=True):
            o["id"] = ids[row["customer_id"], row["product_id"]]
        return made

    def offer_contact(self, c: int, lo: int) -> int | None:
        """The time of a random contact that reached the customer on or after day lo."""
        mine = self.contacts_of(c)
        mine = mine[(self.k["day"][mine] >= lo) & (self.k["out"][mine] != "not_reached")]
        if not len(mine):
            return None
        return int(self.k["t"][mine[self.rng.integers(0, len(mine))]])

    # ---- plan entries

    def plan(self, offers: list[dict]) -> int:
        """A done entry for each contact of the window, missed ones before some of them (each
        followed by the contact made, so the planner carries none of them today), and some
        the RM dismissed."""
        k, rng, cal, h0 = self.k, self.rng, self.cal, self.h0
        offer_of = {(o["c"], o["code"]): o for o in offers}
        win = np.flatnonzero(k["day"] >= h0)
        win = win[np.lexsort((k["t"][win], k["c"][win]))]
        entries, where, keyed = [], [], {}
        kc, kday = self.kl["c"], self.kl["day"]
        for j in win.tolist():
            c, day = kc[j], kday[j]
            if (c, day) not in keyed:
                keyed[c, day] = len(entries)
                entries.append(self.done_entry(j, c, day, offer_of))
                where.append((c, day))
        done = len(entries)
        # Missed: the planned contact slipped a working day or two, then it was made.
        target, missed = round(done * 0.10), 0
        for e in rng.permutation(done).tolist():
            if missed >= target:
                break
            c, day = where[e]
            slipped = 1 if rng.random() < 0.75 else 2
            days, d = [], day - 1
            while len(days) < slipped and d >= h0:
                if self.working[d]:
                    days.append(d)
                d -= 1
            if len(days) < slipped or any((c, d) in keyed for d in days):
                continue
            entry = entries[e]
            for n, d in enumerate(sorted(days)):
                keyed[c, d] = len(entries)
                entries.append({**entry, **self.carried(entry, n), "day": cal.date_of(d),
                                "state": "missed", "done_at": None, "version": 1,
                                "updated_at": self.stamp((d + 1) * DAY + 2 * 3600)})
            entries[e] = {**entry, **self.carried(entry, slipped)}
            missed += slipped
        # Dismissed: planned, and the RM said why not.
        target, dismissed = round(done * 0.15), 0
        candidates = np.flatnonzero(self.on_books)
        for _ in range(target * 5 if len(candidates) else 0):
            if dismissed >= target:
                break
            c = int(candidates[rng.integers(0, len(candidates))])
            day = self.workday(max(h0, int(self.w["onboard"][c]) + 1), self.D)
            if day is None or (c, day) in keyed:
                continue
            entry = self.dismissed_entry(c, day)
            if entry is None:
                continue
            keyed[c, day] = len(entries)
            entries.append(entry)
            dismissed += 1
        _insert(PlanEntry.__table__, entries)
        # Each contact of the window points at the done entry of its customer and bank day
        # (one set-based statement: cheaper than an update a row).
        contact, entry = Interaction.__table__, PlanEntry.__table__
        dialect = db.session.get_bind().dialect.name
        day = bank_day_sql(contact.c.started_at, dialect)
        if dialect != "sqlite":  # SQLite keeps dates as 'YYYY-MM-DD' text
            day = cast(day, Date)
        db.session.execute(
            update(contact).where(contact.c.started_at >= self.stamp(h0 * DAY))
            .values(plan_entry_id=select(entry.c.id).where(
                entry.c.customer_id == contact.c.customer_id, entry.c.rm_id == contact.c.rm_id,
                entry.c.state == "done", entry.c.day == day).scalar_subquery()))
        return len(entries)

    @staticmethod
    def carried(entry: dict, times: int) -> dict:
        """The entry as the planner carries it after `times` missed days."""
        if not times:
            return {"carried_days": 0}
        chip = texts.reason("carried", times, times=times)
        return {"carried_days": times, "priority": min(99, entry["priority"] + min(30, 10 * times)),
                "reasons": [chip, *entry["reasons"]][:MAX_REASONS]}

    def entry(self, c: int, day: int, why: tuple, channel: str, hour: int | None) -> dict:
        kind, priority, reasons, objective, sources = why
        return {"rm_id": int(self.rm_ids[self.w["rm"][c]]), "day": self.cal.date_of(day),
                "customer_id": int(self.ids[c]), "reasons": reasons[:MAX_REASONS],
                "objective": objective[0][:200], "objective_en": objective[1][:200],
                "channel": channel, "suggested_hour": hour, "priority": priority,
                "state": "planned", "is_marketing": kind in MARKETING_KINDS, "sources": sources,
                "moment_id": None, "risk_case_id": None, "carried_days": 0, "snoozed_to": None,
                "dismiss_reason": None, "done_at": None, "version": 1}

    def done_entry(self, j: int, c: int, day: int, offer_of: dict) -> dict:
        k = self.kl
        parts = []
        prev = self.prev_l[j]
        if prev >= 0 and day - 14 <= k["fu_day"][prev] <= day + 3:
            parts.append(self.follow_up(prev, day))
        obj, code = k["obj"][j], k["prod"][j]
        if obj == "collection":
            overdue = max(int(self.w["days_overdue"][c]) - (self.D - day), 1)
            severity = 1 if overdue < 30 else 2 if overdue < 90 else 3
            parts.append(("risk", min(99, 90 + 3 * severity),
                          [texts.reason("risk.overdue", overdue)], texts.objective("risk"),
                          ["risk"]))
        elif obj in ("pitch", "sale") and code in PITCHABLE:
            parts.append(self.offer_reason(c, code, offer_of.get((c, code)), obj == "sale"))
        elif obj == "activation":
            age = max(day - int(self.w["onboard"][c]), 1)
            parts.append(("activation", 30, [texts.reason("activation.education", age, day=age)],
                          texts.objective("activation"), ["activation"]))
        elif obj == "dormancy":
            parts.append(self.dormancy(c, day))
        if not parts or obj == "service":
            parts.append(self.cadence_reason(c, day, k["day"][prev] if prev >= 0 else None))
        t = k["t"][j]
        entry = self.entry(c, day, _merge(parts), CONTACT_CHANNELS[k["channel"][j]],
                           t % DAY // 3600)
        done_at = self.stamp(t + k["dur"][j] * 60)
        return {**entry, "state": "done", "done_at": done_at, "version": 2,
                "updated_at": done_at}

    def dismissed_entry(self, c: int, day: int) -> dict | None:
        w, rng = self.w, self.rng
        segment = w["segment"][c]
        mine = self.contacts_of(c)
        before = mine[self.k["day"][mine] < day]
        seen = int(self.k["day"][before[-1]]) if len(before) else None
        marketing = bool(w["consent_marketing"][c])
        if marketing and day > w["exit"][c] + 60:
            why = self.dormancy(c, day)
        elif marketing and (self.cadence.get(segment) is None or rng.random() < 0.3):
            free = [p for p in PITCHABLE if self.free_from(c, p, day)]
            if not free:
                return None
            why = self.offer_reason(c, free[int(rng.integers(0, len(free)))], None, False)
        elif self.cadence.get(segment) is not None:
            why = self.cadence_reason(c, day, seen)
        else:
            return None
        allowed = [x for x in self.channels.get(segment, ["call"])
                   if (x not in ("call", "message") or w["consent_phone"][c])
                   and (x != "email" or w["consent_email"][c])] or ["visit"]
        entry = self.entry(c, day, why, allowed[0], int(w["pref_hour"][c]))
        return {**entry, "state": "dismissed", "version": 2,
                "dismiss_reason": DISMISS_REASONS[int(rng.integers(0, len(DISMISS_REASONS)))],
                "updated_at": self.stamp(day * DAY + self.sec(8.5, 18))}

    def follow_up(self, prev: int, day: int) -> tuple:
        on, at = self.cal.date_of(self.kl["fu_day"][prev]), self.cal.date_of(day)
        text = self.kl["fu_objective"][prev]
        default = texts.objective("follow_up")
        return ("follow_up", 50 + (5 if on < at else 0),
                [texts.reason("follow_up", (on - at).days, on=on)],
                (text or default.zh, default.en),
                [f"follow_up:{self.iid[self.k['client_id'][prev]]}"])

    def offer_reason(self, c: int, code: str, offer: dict | None, sale: bool) -> tuple:
        product = self.products[code]
        value = offer["ev"] if offer else self.value(c, code)
        name = texts.Pair(product.name, product.name_en)
        return ("offer", 30 + min(20, int(value // 1000)),
                [texts.reason("offer", value, product=name)],
                texts.objective("sale" if sale else "offer", product=name),
                [f"offer:{offer['id']}"] if offer else ["offer"])

    def dormancy(self, c: int, day: int) -> tuple:
        idle = max(day - int(self.w["exit"][c]), 0)
        chip = texts.reason("dormancy.dormant" if idle < 365 else "dormancy.lapsed", idle,
                            idle=idle)
        return ("dormancy", 25, [chip], texts.objective("dormancy"), ["dormancy"])

    def cadence_reason(self, c: int, day: int, seen) -> tuple:
        every = self.cadence.get(self.w["segment"][c])
        if seen is None:
            chip, late = texts.reason("cadence.never"), True
        else:
            idle = int(day - seen)
            late = every is not None and idle > every
            chip = texts.reason("cadence.due", idle, text=None if every else "cadence.idle",
                                idle=idle, every=every)
        return ("cadence", 20 + (5 if late else 0), [chip], texts.objective("cadence"),
                ["cadence"])

    # ---- surveys

    def surveys(self) -> int:
        """A sampled share of the contacts that reached someone, one a customer per
        SURVEY_MIN_DAYS; most answered within three days, each RM with their own mean."""
        k, w, rng, config = self.k, self.w, self.rng, current_app.config
        mean = np.clip(rng.normal(4.25, 0.22, len(self.rm_ids)), 3.8, 4.7)
        gap = config["SURVEY_MIN_DAYS"] * DAY
        # The months before the window only say who was asked recently (as in a bank that has
        # surveyed for long), so the surveys spread evenly over the window.
        win = np.flatnonzero((k["day"] >= self.h0 - config["SURVEY_MIN_DAYS"])
                             & (k["out"] != "not_reached"))
        win = win[np.argsort(k["t"][win], kind="stable")]
        last, rows, tokens = {}, [], set()
        for j in win.tolist():
            c = int(k["c"][j])
            client_id = k["client_id"][j]
            if not (w["consent_phone"][c] or w["consent_email"][c]) \
                    or not surveys.sampled(client_id, config["SURVEY_SAMPLE_RATE"]):
                continue
            if k["day"][j] < self.h0:
                if k["t"][j] - last.get(c, -BIG) >= gap:
                    last[c] = int(k["t"][j])
                continue
            created = int(k["t"][j]) + int(k["dur"][j]) * 60 + int(rng.integers(60, 900))
            if created >= self.now_t or created - last.get(c, -BIG) < gap:
                continue
            last[c] = created
            token = "".join(TOKEN_CHARS[rng.integers(0, len(TOKEN_CHARS), 32)])
            if token in tokens:
                continue
            tokens.add(token)
            answered = created + 60 + int(min(rng.exponential(8 * 3600), 3 * DAY - 4 * 3600))
            if not 7 * 3600 <= answered % DAY < 23 * 3600:  # people answer the next morning
                answered = (answered + 2 * 3600) // DAY * DAY + self.sec(7, 9.5)
            answers = rng.random() < 0.6 and answered < self.now_t
            score = int(np.clip(np.rint(rng.normal(mean[w["rm"][c]], 0.8)), 1, 5))
            comment = SURVEY_COMMENTS[score][int(rng.integers(0, len(SURVEY_COMMENTS[score])))] \
                if rng.random() < 0.3 else None
            at = self.stamp(created)
            rows.append({"token": token, "interaction_id": self.iid[client_id],
                         "customer_id": int(self.ids[c]), "rm_id": int(self.rm_ids[w["rm"][c]]),
                         "created_at": at, "sent_at": at,
                         "expires_at": at + timedelta(days=config["SURVEY_TTL_DAYS"]),
                         "answered_at": self.stamp(answered) if answers else None,
                         "score": score if answers else None,
                         "comment": comment if answers else None})
        for lo in range(0, len(rows), CHUNK):
            db.session.execute(insert(Survey.__table__), rows[lo:lo + CHUNK])
        return len(rows)

    # ---- referrals

    def referrals(self, offers: list[dict]) -> int:
        """About two a month for each RM from the referrer: won ones led to a sold offer."""
        w, rng, D, h0 = self.w, self.rng, self.D, self.h0
        months = [(max(int(lo), h0), min(int(hi), D))
                  for lo, hi in zip(self.cal.mstart, self.cal.mend, strict=True)]
        months = [(lo, hi) for lo, hi in months if hi > lo]
        sold = defaultdict(list)
        for o in offers:
            if o["state"] == "sold":
                sold[int(w["rm"][o["c"]])].append(o)
        rows, credited = [], []
        for r in range(len(self.rm_ids)):
            mine = np.flatnonzero(self.on_books & (w["rm"] == r))
            if not len(mine):
                continue
            # 1-3 in a whole month, fewer in the window's part-months
            due = [max(0, int(2 * (hi - lo) / 30.44 + rng.uniform(-1, 1) + 0.5))
                   for lo, hi in months]
            won, made = int(rng.binomial(sum(due), 0.3)), 0
            for i in rng.permutation(len(sold[r])).tolist():
                if made >= won:
                    break
                o = sold[r][i]
                day = self.workday(max(h0, o["as_of"] - 10), o["as_of"])
                m = next((m for m, (lo, hi) in enumerate(months) if lo <= (day or -1) < hi), None)
                if m is None or not due[m]:
                    continue
                due[m] -= 1
                credited.append((o, len(rows)))
                rows.append(self.referral(o["c"], day, o["code"], o))
                made += 1
            for (lo, hi), count in zip(months, due, strict=True):
                for _ in range(count):
                    c = int(mine[rng.integers(0, len(mine))])
                    day = self.workday(max(lo, int(w["onboard"][c]) + 1), hi)
                    if day is None:
                        continue
                    free = [p for p in REFERRAL_NEEDS if self.free_from(c, p, day)] or \
                        list(REFERRAL_NEEDS)
                    p = np.array([w["propensity"][x][c] for x in free]) + 1e-9
                    code = free[int(rng.choice(len(free), p=p / p.sum()))]
                    rows.append(self.referral(c, day, code, None))
        _insert(Referral.__table__, rows)
        # A customer is sold to once in the history, so won referrals go one to a customer.
        won = dict(db.session.execute(select(Referral.customer_id, Referral.id)
                                      .where(Referral.state == "won")).all())
        params = [{"b_id": o["id"], "b_ref": won[rows[i]["customer_id"]]}
                  for o, i in credited if rows[i]["state"] == "won"]
        if params:
            table = Offer.__table__
            db.session.execute(update(table).where(table.c.id == bindparam("b_id"))
                               .values(referral_id=bindparam("b_ref")), params)
        return len(rows)

    def referral(self, c: int, day: int, code: str, offer: dict | None) -> dict:
        rng, D = self.rng, self.D
        created = day * DAY + self.sec(9.2, 17.0)
        ack_due = self.business(created, 60)
        contact_due = self.business(created, 2 * BUSINESS_DAY_MINUTES)
        ack = self.business(created, int(rng.integers(2, 55)) if rng.random() < 0.85
                            else int(rng.integers(61, 240)))
        first = self.business(created, int(rng.integers(60, 2 * BUSINESS_DAY_MINUTES))
                              if rng.random() < 0.85
                              else int(rng.integers(2 * BUSINESS_DAY_MINUTES + 10,
                                                    4 * BUSINESS_DAY_MINUTES)))
        first = max(first, ack + 300)
        closed, reason = None, None
        rm_id = int(self.rm_ids[self.w["rm"][c]])
        credit = None
        if offer is not None:
            state = "won"
            first = max(min(first, offer["as_of"] * DAY + 11 * 3600), ack + 300)
            closed = offer["t"]
            credit = {"rm_id": rm_id, "referrer_id": self.referrer, "offer_id": offer["id"],
                      "amount": float(offer["amount"] or 0)}
        else:
            age = D - day
            lost = rng.random() < (0.15 if age <= 5 else 0.4 if age <= 30 else 0.8)
            state = "lost" if lost else "contacted"
            if lost:
                reason = LOST_REASONS[int(rng.integers(0, len(LOST_REASONS)))]
                if rng.random() < 0.2:  # never reached: lost on acknowledgement
                    first = None
                    closed = self.business(ack, int(rng.integers(60, 3 * BUSINESS_DAY_MINUTES)))
                else:
                    closed = self.business(first, int(rng.integers(
                        BUSINESS_DAY_MINUTES, 15 * BUSINESS_DAY_MINUTES)))
        # Nothing after now: what has not happened yet leaves the referral earlier on its way.
        if closed is not None and closed >= self.now_t:
            state = "contacted" if first is not None else "acknowledged"
            closed, reason, credit = None, None, None
        if first is not None and first >= self.now_t:
            state, first = "acknowledged", None
        if ack >= self.now_t:
            state, ack = "new", None
        line = "private" if rng.random() < 0.3 else "retail"
        need = REFERRAL_NEEDS.get(code, "客户有新的业务需求，请客户经理联系")
        return {"referrer_id": self.referrer, "from_line": line, "customer_id": int(self.ids[c]),
                "prospect": None, "rm_id": rm_id,
                "need": ("私人银行客户（企业主）提到：" if line == "private" else "") + need,
                "product_code": code, "state": state, "created_at": self.stamp(created),
                "alerted_at": self.stamp(created), "ack_due_at": self.stamp(ack_due),
                "contact_due_at": self.stamp(contact_due),
                "acknowledged_at": None if ack is None else self.stamp(ack),
                "first_contact_at": None if first is None else self.stamp(first),
                "closed_at": None if closed is None else self.stamp(closed),
                "lost_reason": reason, "credit": credit}


def _in_turns(rng, keys: list) -> list[int]:
    """Indexes of `keys` shuffled, then in turns: one of each key, then a second of each..."""
    turn, order = defaultdict(int), rng.permutation(len(keys)).tolist()
    rank = []
    for i in order:
        rank.append(turn[keys[i]])
        turn[keys[i]] += 1
    return [order[i] for i in np.argsort(rank, kind="stable").tolist()]


def _merge(parts: list[tuple]) -> tuple:
    """Several reasons for one contact, merged as the planner merges candidates."""
    parts = sorted(parts, key=lambda p: -p[1])
    kind, priority, reasons, objective, sources = parts[0]
    reasons, sources = list(reasons), list(sources)
    for _, p, more, _, src in parts[1:]:
        priority = min(99, max(priority, p) + 5)
        reasons += [r for r in more if r not in reasons]
        sources += src
    return kind, priority, reasons, objective, sources
