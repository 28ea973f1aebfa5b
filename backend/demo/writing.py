"""Writing a simulated batch: customers, accounts, transactions, related parties, and the
RMs' contacts."""

import uuid
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import insert

from backend.customers.models import (
    CHANNELS,
    TRANSACTION_KINDS,
    Account,
    Customer,
    RelatedParty,
    Transaction,
)
from backend.demo.base import BIG, CHUNK, DAY
from backend.demo.words import (
    CITIES,
    CREDIT,
    DECLINE_REASONS,
    DEPOSIT_LIKE,
    DESCRIPTIONS,
    HELD,
    IND_KEYS,
    LEAVE_REASONS,
    SUPPLIED_BY,
    SURNAMES,
)
from backend.demo.world import _person_names
from backend.extensions import db
from backend.models_base import utcnow
from backend.visits.models import Interaction

# --------------------------------------------------------------------------- writing


def _write_batch(w, idx, sim, cal, products, staff, utc_start, state) -> None:
    """Insert one batch: customers, then accounts, then transactions (Core bulk inserts)."""
    accs, tx = sim["accounts"], sim["tx"]
    n, D = len(idx), cal.D
    big = BIG
    month_end = sim["month_end"]
    balance_c = np.bincount(tx["acc"], weights=tx["amt"], minlength=len(accs["cust"]))
    balance_c = np.rint(balance_c).astype(np.int64)

    # Status from the customer's own activity (DESIGN §2.3 key moments).
    own = tx["ci"]
    last_ci = np.full(n, -big)
    if own.any():
        np.maximum.at(last_ci, accs["cust"][tx["acc"][own]], tx["t"][own] // DAY)
    exit_day = w["exit"][idx]
    # Without own activity in the window, the last sign of life came before it started.
    last = np.where(last_ci > -big, last_ci, np.minimum(exit_day, -1))
    idle = D - last
    closed = w["close"][idx] < big
    status = np.where(closed, "closed", np.where(idle >= 365, "lapsed",
                                                 np.where(idle >= 90, "dormant", "active")))
    w.setdefault("status", np.empty(len(w["revenue"]), dtype=object))[idx] = status

    # Segment from size and value (seed table 客户价值/客户体量).
    code = accs["code"]
    deposit_like = np.isin(code, DEPOSIT_LIKE)
    credit = np.isin(code, CREDIT)
    last3 = month_end[:, -3:].mean(axis=1)
    value = np.zeros(n)
    np.add.at(value, accs["cust"][deposit_like], last3[deposit_like])
    np.add.at(value, accs["cust"][credit], 0.3 * last3[credit])
    rev, emp = w["revenue"][idx], w["employees"][idx]
    size_pts = np.maximum(np.digitize(rev, [2e6, 1.5e7, 8e7]), np.digitize(emp, [10, 50, 200]))
    value_pts = np.digitize(value, [3e4, 2.5e5, 1.5e6])
    total = size_pts + value_pts
    segment = np.where(total >= 5, "large", np.where(total >= 3, "medium",
                                                      np.where(total >= 2, "small", "micro")))
    w.setdefault("segment", np.empty(len(w["revenue"]), dtype=object))[idx] = segment

    now = utcnow().replace(microsecond=0)
    rm_ids = staff["rm_ids"][w["rm"][idx]]
    customer_rows = []
    for j, i in enumerate(idx):
        onboard_on = cal.date_of(w["onboard"][i])
        customer_rows.append({
            "external_id": f"C{i + 1:08d}", "name": w["name_zh"][i], "name_en": w["name_en"][i],
            "industry": IND_KEYS[w["industry"][i]], "region": CITIES[w["city"][i]][0],
            "founded_on": cal.date_of(w["founded"][i]), "employees": int(emp[j]),
            "annual_revenue": float(rev[j]), "owner_name": w["owner_zh"][i],
            "owner_name_en": w["owner_en"][i], "phone": w["phone"][i], "email": w["email"][i],
            "rm_id": int(rm_ids[j]), "tier": str(w["tier"][i]), "segment": str(segment[j]),
            "status": str(status[j]), "consent_marketing": bool(w["consent_marketing"][i]),
            "consent_phone": bool(w["consent_phone"][i]),
            "consent_email": bool(w["consent_email"][i]), "onboarded_on": onboard_on,
            "closed_on": cal.date_of(w["close"][i]) if closed[j] else None,
            "leave_reason": LEAVE_REASONS[w["leave_reason"][i]] if closed[j] else None,
            "created_at": now, "updated_at": now,
        })
    table = Customer.__table__
    ids = db.session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), customer_rows
    ).scalars().all()
    cust_ids = np.array(ids, dtype=np.int64)
    state["customer_ids"][idx] = cust_ids

    # Accounts.
    prod_ids = {c: p.id for c, p in products.items()}
    seq0 = state["acc_seq"]
    account_rows = []
    overdue = sim["overdue"]
    for j in range(len(code)):
        close = accs["close"][j]
        is_closed = close < D
        mat = accs["mat"][j]
        account_rows.append({
            "external_id": f"A{seq0 + j + 1:09d}", "customer_id": int(cust_ids[accs["cust"][j]]),
            "product_id": prod_ids[code[j]],
            "opened_on": cal.date_of(accs["open"][j]),
            "maturity_on": cal.date_of(mat) if mat < big else None,
            "closed_on": cal.date_of(close) if is_closed else None,
            "balance": balance_c[j] / 100,
            "limit_amount": None if np.isnan(accs["limit"][j]) else float(accs["limit"][j]),
            "rate": None if np.isnan(accs["rate"][j]) else float(accs["rate"][j]),
            "days_overdue": int(overdue[j]), "status": "closed" if is_closed else "open",
        })
    state["acc_seq"] += len(code)
    # Who held what when (window days), for offers of products not held at the time.
    state.setdefault("spans", []).append((idx[accs["cust"]], code, accs["open"], accs["close"]))
    table = Account.__table__
    acc_ids = np.array(db.session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), account_rows
    ).scalars().all(), dtype=np.int64)
    state["accounts"] += len(acc_ids)
    holders = np.zeros(n, dtype=bool)
    holders[accs["cust"][credit]] = True
    state["credit_holders"][idx] = holders
    w.setdefault("days_overdue", np.zeros(len(w["revenue"]), dtype=np.int64))
    od = np.zeros(n, dtype=np.int64)
    np.maximum.at(od, accs["cust"], overdue)
    w["days_overdue"][idx] = od
    w.setdefault("held_now", {})
    for c in HELD:
        have = np.zeros(n, dtype=bool)
        sel = (code == c) & (accs["close"] >= big)
        have[accs["cust"][sel]] = True
        w["held_now"].setdefault(c, np.zeros(len(w["revenue"]), dtype=bool))[idx] = have
    for c, pcode, day, amount in sim["sales"]:
        state["sales"].append((int(idx[c]), pcode, day, amount))

    # Transactions, in account and time order so ids follow the running balance.
    total = len(tx["acc"])
    seq = state["tx_seq"]
    posted = (utc_start + tx["t"].astype("timedelta64[s]")).astype(object)
    account_id = acc_ids[tx["acc"]].tolist()
    amounts = (tx["amt"] / 100).tolist()
    chans = np.array(CHANNELS, dtype=object)[tx["chan"]].tolist()
    kinds = np.array(TRANSACTION_KINDS, dtype=object)[tx["kind"]].tolist()
    descs = np.array(DESCRIPTIONS, dtype=object)[tx["desc"]].tolist()
    cis = tx["ci"].tolist()
    table = Transaction.__table__
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total)
        chunk = [{"external_id": f"T{seq + r + 1:011d}", "account_id": account_id[r],
                  "posted_at": posted[r], "amount": amounts[r], "channel": chans[r],
                  "kind": kinds[r], "customer_initiated": cis[r], "description": descs[r]}
                 for r in range(lo, hi)]
        db.session.execute(insert(table), chunk)
    state["tx_seq"] += total
    state["transactions"] += total


def _related_parties(rng, w, ids, state) -> int:
    """Owners, guarantors, suppliers and buyers across the bank, and sister companies."""
    n = len(ids)
    rows = {}

    def add(c, kind, other=None, person=None, note=None):
        key = (int(c), kind, None if other is None else int(other), person)
        if other is not None and other == c:
            return
        rows.setdefault(key, note)

    for i in range(n):
        add(i, "owner", person=w["owner_zh"][i], note="法定代表人、实际控制人")
    # Guarantors of borrowers: the owner personally, another person, or another customer.
    borrowers = np.flatnonzero(state["credit_holders"] & (rng.random(n) < 0.7))
    kind_u = rng.random(len(borrowers))
    names, _, _ = _person_names(rng, len(borrowers))
    # Business is mostly local: partners come from the same city more often than not, so
    # most links stay inside a team and some cross to other RMs and teams.
    by_city = {c: np.flatnonzero(w["city"] == c) for c in range(len(CITIES))}
    local = {}
    for i, k in enumerate(IND_KEYS):
        for c in range(len(CITIES)):
            local[k, c] = np.flatnonzero((w["industry"] == i) & (w["city"] == c))

    def pick(pool):
        return int(pool[int(rng.integers(0, len(pool)))])

    partner = [pick(by_city[w["city"][b]]) if rng.random() < 0.8 else int(rng.integers(0, n))
               for b in borrowers]
    for b, u, name, p in zip(borrowers, kind_u, names, partner, strict=True):
        if u < 0.35:
            add(b, "guarantor", person=w["owner_zh"][b], note="实际控制人连带责任保证")
        elif u < 0.65:
            add(b, "guarantor", person=name, note="自然人保证")
        else:
            add(b, "guarantor", other=p, note="企业互保")
    # Supply chains: buyers list their suppliers, chosen from the industries they buy from.
    by_industry = {k: np.flatnonzero(w["industry"] == i) for i, k in enumerate(IND_KEYS)}
    links = rng.poisson(0.9, n)
    for i in np.flatnonzero(links):
        sources = [s for s in SUPPLIED_BY[IND_KEYS[w["industry"][i]]] if len(by_industry[s])]
        if not sources:
            continue
        for _ in range(links[i]):
            source = sources[int(rng.integers(0, len(sources)))]
            nearby = local[source, w["city"][i]]
            j = pick(nearby if len(nearby) and rng.random() < 0.65 else by_industry[source])
            amount = int(rng.integers(5, 500)) * 10
            if rng.random() < 0.7:
                add(i, "supplier", other=j, note=f"主要供应商，年采购约{amount}万元")
            else:
                add(j, "buyer", other=i, note=f"主要客户，年销售约{amount}万元")
    for a, b in w["affiliates"]:
        add(a, "affiliate", other=b, note="同一实际控制人")
    params = [{"customer_id": int(ids[c]), "kind": kind,
               "related_customer_id": None if other is None else int(ids[other]),
               "person_name": person, "note": note}
              for (c, kind, other, person), note in rows.items()]
    for lo in range(0, len(params), CHUNK):
        db.session.execute(insert(RelatedParty.__table__), params[lo:lo + CHUNK])
    return len(params)


OBJECTIVES = {
    "service": ("季度经营情况回访", "定期客户回访", "了解近期资金需求"),
    "pitch": ("推荐{p}", "介绍{p}方案", "沟通{p}需求"),
    "activation": ("开户激活与产品使用指导", "新客户首访，介绍服务包权益"),
    "dormancy": ("久未动户回访，了解经营近况", "账户唤醒沟通"),
    "collection": ("逾期提醒与还款安排", "了解逾期原因，商议还款计划"),
    "sale": ("办理{p}",),
}
NOTES = {
    "reached": ("{o}总反馈近期经营平稳，暂无新需求。", "{o}总表示旺季回款较好，资金周转正常。",
                "了解到企业计划扩大产能，后续关注融资需求。"),
    "info": ("向{o}总介绍了手机银行新功能。", "发送了服务包权益说明和费率表。",
             "向{o}总说明了{p}的办理条件。"),
    "not_reached": ("电话未接通，稍后再联系。", "客户外出，未见到负责人。",
                    "短信已发送，暂无回复。"),
    "interested": ("{o}总对{p}有兴趣，希望先看利率和额度方案。",
                   "{o}总想进一步了解{p}，约定再谈。"),
    "sale": ("已为客户办理{p}，资料齐全。", "{o}总确认办理{p}，已提交审批。"),
    "declined": ("{o}总表示暂不需要{p}，资金比较充裕。", "客户认为{p}费用偏高，暂不考虑。"),
    "follow_up": ("约定下次继续沟通{p}。", "{o}总需要和财务商量，约定回访。"),
    "complaint": ("客户反映网点排队时间过长，已记录并反馈。",
                  "客户对账户管理费有意见，已解释收费规则。"),
}
CONTACT_CHANNELS = ("visit", "call", "video", "message", "email")
SEGMENT_CONTACTS = {  # contacts a month, and channel mix
    "large": (1.0, (0.5, 0.35, 0.05, 0.1, 0.0)),
    "medium": (0.4, (0.25, 0.5, 0.0, 0.2, 0.05)),
    "small": (0.18, (0.05, 0.5, 0.0, 0.3, 0.15)),
    "micro": (0.07, (0.0, 0.15, 0.0, 0.35, 0.5)),
}


def _discussed(code: str, outcome: str) -> dict:
    """A product talked about, as the visit form records it (visits.schemas)."""
    answer = {"sale": "accepted", "declined": "declined"}.get(outcome, "interested")
    item = {"product_code": code, "answer": answer}
    if answer == "declined":
        item["reason"] = DECLINE_REASONS[len(code) % len(DECLINE_REASONS)]
    return item


def _interactions(rng, w, ids, cal, products, staff, offset, state) -> dict:
    """The RMs' past contacts: service calls, pitches, sales, dormancy and collection calls.

    Returns what the app-use history builds on: per contact written (in insertion order)
    the customer, bank day, local second of the window (as transactions count time),
    objective, outcome, product, channel, duration, follow-up day (-1: none) and client id.
    """
    n, D = len(ids), cal.D
    seg = w["segment"]
    onboard = np.maximum(w["onboard"], 0)
    pref_ch = np.array([CONTACT_CHANNELS.index(x) for x in w["pref_channel"]])
    rate = np.array([SEGMENT_CONTACTS[s][0] for s in seg])
    months_known = np.maximum(D - onboard, 0) / 30.44
    count = rng.poisson(rate * months_known)
    ci = np.repeat(np.arange(n), count)
    k = len(ci)
    day = onboard[ci] + (rng.random(k) * np.maximum(D - onboard[ci], 1)).astype(np.int64)
    day = np.minimum(day, w["close"][ci])
    mix = np.array([SEGMENT_CONTACTS[s][1] for s in seg])
    cum = np.cumsum(mix, axis=1)
    channel = np.minimum((rng.random(k)[:, None] > cum[ci]).sum(axis=1), 4)
    # Objective from the customer's situation at the time.
    new = day < onboard[ci] + 90
    exit_day = w["exit"][ci]
    quiet = day > exit_day + 60
    overdue = (w["days_overdue"][ci] > 0) & (day >= D - w["days_overdue"][ci])
    u = rng.random(k)
    objective = np.where(overdue, "collection", np.where(quiet, "dormancy", np.where(
        new & (u < 0.6), "activation", np.where(u < 0.55, "service", "pitch"))))
    # The product pitched: one the customer does not hold, likelier the higher its propensity.
    pitchable = [c for c in HELD if c not in ("CGI",)]
    prop = np.stack([w["propensity"][c] * ~w["held_now"][c] for c in pitchable], axis=1)
    pc = np.cumsum(prop[ci] + 1e-9, axis=1)
    pick = (rng.random(k)[:, None] * pc[:, -1:] > pc).sum(axis=1)
    product = np.array(pitchable)[np.minimum(pick, len(pitchable) - 1)]
    p_true = prop[ci, np.minimum(pick, len(pitchable) - 1)]
    # Reached more often on the preferred channel and near the preferred hour.
    hour = np.where(rng.random(k) < 0.5, w["pref_hour"][ci] + rng.integers(-1, 2, k),
                    rng.integers(9, 18, k))
    hour = np.clip(hour, 8, 20)
    base = np.array([0.95, 0.7, 0.8, 0.6, 0.5])[channel]
    reach = base * np.where(channel == pref_ch[ci], 1.15, 0.9) \
        * np.where(np.abs(hour - w["pref_hour"][ci]) <= 1, 1.15, 0.85)
    reach = np.where(quiet, reach * 0.5, np.clip(reach, 0, 0.98))
    reached = rng.random(k) < reach
    v = rng.random(k)
    outcome = np.where(~reached, "not_reached", np.where(
        objective == "pitch", np.where(v < p_true, np.where(rng.random(k) < 0.5, "interested",
                                                           "follow_up"), "declined"),
        np.where(objective == "collection", np.where(v < 0.6, "follow_up", "reached"),
                 np.where(v < 0.02, "complaint", np.where(v < 0.55, "reached",
                                                          np.where(v < 0.85, "info",
                                                                   "follow_up"))))))
    discussed = np.where(np.isin(objective, ["pitch"]) | (outcome == "info"), product, None)

    # Sales logged just before each product opened in the window.
    sales = state["sales"]
    s_c = np.array([s[0] for s in sales], dtype=np.int64)
    s_code = np.array([s[1] for s in sales], dtype=object)
    s_day = np.array([s[2] for s in sales], dtype=np.int64) - rng.integers(0, 10, len(sales))
    s_amt = np.array([s[3] for s in sales], dtype=float)
    s_ch = np.where(rng.random(len(sales)) < 0.6, 0, 1)
    s_hour = np.clip(w["pref_hour"][s_c] + rng.integers(-1, 2, len(sales)), 8, 20) \
        if len(sales) else np.zeros(0, dtype=np.int64)

    all_c = np.concatenate([ci, s_c])
    all_day = np.concatenate([day, np.maximum(s_day, onboard[s_c] if len(s_c) else s_day)])
    all_ch = np.concatenate([channel, s_ch])
    all_obj = np.concatenate([objective, np.full(len(sales), "sale", dtype=object)])
    all_out = np.concatenate([outcome, np.full(len(sales), "sale", dtype=object)])
    all_prod = np.concatenate([discussed, s_code])
    all_amt = np.concatenate([np.full(k, np.nan), s_amt])
    all_hour = np.concatenate([hour, s_hour]).astype(float)
    total = len(all_c)
    minute = rng.integers(0, 60, total)
    keep = all_day < np.minimum(D, w["close"][all_c])
    names = {c: p.name for c, p in products.items()}
    rm_ids = staff["rm_ids"][w["rm"]]
    uuids = rng.integers(0, 256, (total, 16), dtype=np.uint8)
    uuids[:, 6] = (uuids[:, 6] & 0x0F) | 0x40
    uuids[:, 8] = (uuids[:, 8] & 0x3F) | 0x80
    durations = np.array([(30, 90), (3, 15), (15, 40), (1, 2), (1, 2)])
    dur = rng.integers(durations[all_ch, 0], durations[all_ch, 1] + 1)
    pick_obj = rng.integers(0, 3, total)
    pick_note = rng.integers(0, 3, total)
    fu_days = rng.integers(3, 22, total)
    jitter = rng.normal(0, 0.02, (total, 2))
    created = utcnow().replace(microsecond=0)
    rows = []
    for r in np.flatnonzero(keep):
        c = int(all_c[r])
        prod = all_prod[r]
        pname = names.get(prod, "服务包") if prod else "服务包"
        obj_choices = OBJECTIVES[all_obj[r]]
        note_choices = NOTES[all_out[r]]
        title = SURNAMES[w["surname"][c]][0]
        started_local = datetime.combine(cal.date_of(all_day[r]), datetime.min.time()) + \
            timedelta(hours=float(all_hour[r]), minutes=int(minute[r]))
        out = all_out[r]
        follow = out in ("follow_up", "interested")
        city = CITIES[w["city"][c]]
        rows.append({
            "client_id": str(uuid.UUID(bytes=uuids[r].tobytes())), "version": 1,
            "rm_id": int(rm_ids[c]), "customer_id": int(ids[c]),
            "channel": CONTACT_CHANNELS[all_ch[r]], "started_at": started_local - offset,
            "duration_minutes": int(dur[r]),
            "objective": obj_choices[pick_obj[r] % len(obj_choices)].format(p=pname),
            "outcome": out, "products_discussed": [_discussed(prod, out)] if prod else [],
            "follow_up_on": cal.date_of(all_day[r] + fu_days[r]) if follow else None,
            "follow_up_objective": f"跟进{pname}" if follow else None,
            "notes": note_choices[pick_note[r] % len(note_choices)].format(o=title, p=pname),
            "location": {"lat": round(city[2] + jitter[r, 0], 5),
                         "lng": round(city[3] + jitter[r, 1], 5)} if all_ch[r] == 0 else None,
            "sales_amount": None if np.isnan(all_amt[r]) else float(all_amt[r]),
            "created_at": created,
        })
    for lo in range(0, len(rows), CHUNK):
        db.session.execute(insert(Interaction.__table__), rows[lo:lo + CHUNK])
    kept = np.flatnonzero(keep)
    follows = np.isin(all_out[kept], ["follow_up", "interested"])
    return {"c": all_c[kept], "day": all_day[kept], "obj": all_obj[kept], "out": all_out[kept],
            "prod": all_prod[kept], "channel": all_ch[kept], "dur": dur[kept],
            "t": all_day[kept] * DAY + all_hour[kept].astype(np.int64) * 3600 + minute[kept] * 60,
            "fu_day": np.where(follows, all_day[kept] + fu_days[kept], -1),
            "client_id": [r["client_id"] for r in rows],
            "fu_objective": [r["follow_up_objective"] for r in rows]}
