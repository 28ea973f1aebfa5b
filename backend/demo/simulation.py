"""Accounts, transactions and balances simulated from each customer's truth, one batch at a
time (vectorised with numpy)."""


import numpy as np

from backend.customers.models import (
    CHANNELS,
)
from backend.demo import draws
from backend.demo.base import (
    BIG,
    CHAN,
    DAY,
    KIND,
    _Accounts,
    _Calendar,
    _join,
    _Rows,
    _seconds,
    _take,
)
from backend.demo.words import CREDIT, DEPOSIT_LIKE, DESC, LINKED

# --------------------------------------------------------------------------- simulation


def _simulate(rng, w: dict, idx: np.ndarray, cal: _Calendar, packages: dict) -> dict:
    """Simulate accounts and transactions of one batch of customers from their truth."""
    n, M, D = len(idx), cal.M, cal.D
    big = BIG
    onboard = w["onboard"][idx]
    exit_day = w["exit"][idx]
    close_day = w["close"][idx]
    lam = w["lam"][idx]
    profile = w["profile"][idx]
    turnover = w["turnover"][idx]
    revenue = w["revenue"][idx]
    bal = w["balance"][idx]
    g = w["growth"][idx]
    pd_ = w["pd"][idx]
    held = {k: v[idx] for k, v in w["held"].items()}

    # Activity per customer-month: seasonality, growth, ramp-up after onboarding, fade-out
    # before leaving. ratio is relative to the customer's ordinary month.
    mid = cal.mmid[None, :].astype(float)
    live = np.clip((cal.mend[None, :] - np.maximum(cal.mstart[None, :], onboard[:, None]))
                   / np.maximum(cal.mdays[None, :], 1), 0, 1)
    months_in = np.maximum(mid - onboard[:, None], 0) / 30.44
    # Slow starters barely use the account in their first quarter (an activation moment).
    ramp_len = np.where(w["slow_start"][idx], 4.0, 0.6)
    ramp = 1 - np.exp(-(months_in + 0.3) / ramp_len[:, None])
    fade = np.clip((exit_day[:, None] - mid) / 120.0, 0, 1)
    trend = np.exp(g[:, None] * (np.arange(M)[None, :] - (M - 1)) / 12)
    season = cal.season[profile]
    ratio = season * trend * ramp * fade * live
    ratio[:, cal.mdays == 0] = 0

    acc = _Accounts()
    cur = acc.add(np.arange(n), "CUR", onboard, close_day=close_day, rate=np.full(n, 0.002))
    rows = _Rows()
    # Pre-window customers bring their balance forward; new ones open with a deposit.
    e0 = bal * np.exp(-g * M / 12 * 0.8) * rng.lognormal(0, 0.2, n)
    gone = exit_day < 0
    e0 = np.where(gone, rng.uniform(0, 300, n), e0)
    pre = onboard < 0
    rows.add(cur[pre], -1, e0[pre], "transfer", "system", False, "期初余额结转")
    opening = bal * rng.uniform(0.1, 0.5, n)
    post = ~pre & (onboard < D)
    rows.add(cur[post], onboard[post] * DAY + _seconds(rng, post.sum(), 9, 11), opening[post],
             "deposit", "branch", True, "开户存入")

    sales = []  # (customer, code, day, amount): accounts opened in the window after onboarding

    def open_days(code, mask=None):
        return draws.draw_open_day(rng, held[code] if mask is None else mask, onboard, exit_day,
                                   D, draws.OPEN_GAP[code])

    rate_spread = np.clip(pd_ * 0.6, 0, 0.05)

    # ---- term deposits: a current one (some maturing soon) and, for some, a matured one.
    td = draws.TERM_ACCOUNTS["TD"]
    td_terms = np.array(td["terms"])
    td_rates = np.array([0.0115, 0.0135, 0.0155, 0.0165, 0.0195])
    for which in ("current", "matured"):
        mask = held["TD"] & ((rng.random(n) < td["earlier"]) if which == "matured" else True)
        term_i = rng.choice(len(td_terms), n, p=list(td["weights"]))
        term_d = draws.term_days(td_terms[term_i])
        if which == "current":
            soon = rng.random(n) < td["soon"]
            mat = np.where(soon, D + rng.integers(1, td["soon_days"], n),
                           D + (rng.random(n) * term_d).astype(np.int64) + 1)
        else:
            mat = rng.integers(0, max(D, 1), n)
        o = mat - term_d
        ok = mask & (o >= onboard) & (o < np.minimum(D, exit_day - 30)) & (o < close_day)
        if which == "matured":
            ok &= mat < np.minimum(D, close_day)
        amount = np.round(bal * rng.uniform(0.5, 3.0, n), -3)
        rate = td_rates[term_i]
        k = np.flatnonzero(ok)
        matured = mat[k] < D
        a = acc.add(k, "TD", o[k], mat_day=mat[k],
                    close_day=np.where(matured, mat[k], big), rate=rate[k], amount=amount[k])
        _opening(rng, rows, a, cur[k], o[k], amount[k], "deposit", "定期存入", "转存定期")
        _sales(sales, k, "TD", o[k], amount[k], onboard)
        mk = matured
        interest = np.round(amount[k][mk] * rate[k][mk] * td_terms[term_i[k][mk]] / 12, 2)
        tm = mat[k][mk] * DAY + _seconds(rng, mk.sum(), 1, 2)
        rows.add(a[mk], tm, interest, "interest", "system", False, "定期利息")
        rows.add(a[mk], tm + 60, -(amount[k][mk] + interest), "transfer", "system", False,
                 "定期到期转活期")
        rows.add(cur[k][mk], tm + 60, amount[k][mk] + interest, "transfer", "system", False,
                 "定期到期本息转入")

    # ---- money market account: interest monthly, sweeps to and from the current account.
    ok, o = open_days("MMF")
    k = np.flatnonzero(ok)
    level = np.round(bal[k] * rng.uniform(0.5, 4.0, len(k)), -2)
    a = acc.add(k, "MMF", o[k], close_day=close_day[k], rate=np.full(len(k), 0.012),
                amount=level)
    _opening(rng, rows, a, cur[k], o[k], level, "deposit", "转入货币市场账户", "转入货币市场账户")
    _sales(sales, k, "MMF", o[k], level, onboard)
    ai, m, day = cal.monthly(o[k], np.minimum(close_day[k], big), np.full(len(k), 28))
    rows.add(a[ai], day * DAY + _seconds(rng, len(ai), 1, 2),
             np.round(level[ai] * 0.012 / 12, 2), "interest", "system", False, "货币市场账户利息")
    sweeps = rng.poisson(0.5 * ratio[k][ai, m])
    si = np.repeat(np.arange(len(ai)), sweeps)
    sd = np.maximum(cal.mstart[m[si]] + (rng.random(len(si)) * cal.mdays[m[si]]).astype(np.int64),
                    o[k][ai[si]] + 1)
    amt = np.round(level[ai[si]] * rng.uniform(0.1, 0.3, len(si)) * rng.choice([-1, 1], len(si)), 2)
    st = sd * DAY + _seconds(rng, len(si), 9, 18)
    keep = sd < D
    rows.add(a[ai[si]][keep], st[keep], amt[keep], "transfer", "online", True,
             np.where(amt[keep] > 0, DESC["转入货币市场账户"], DESC["货币市场账户转出"]), stop=True)
    rows.add(cur[k][ai[si]][keep], st[keep], -amt[keep], "transfer", "online", True,
             np.where(amt[keep] > 0, DESC["转入货币市场账户"], DESC["货币市场账户转出"]), stop=True)

    # ---- partner fund: a subscription, later a few top-ups and redemptions.
    ok, o = open_days("FUND")
    k = np.flatnonzero(ok)
    level = np.round(bal[k] * rng.uniform(0.3, 2.0, len(k)), -3)
    a = acc.add(k, "FUND", o[k], close_day=close_day[k], amount=level)
    _opening(rng, rows, a, cur[k], o[k], level, "transfer", "基金申购", "基金申购")
    _sales(sales, k, "FUND", o[k], level, onboard)
    extra = rng.poisson(1.0, len(k))
    fi = np.repeat(np.arange(len(k)), extra)
    fd = np.maximum(o[k][fi], 0) + (rng.random(len(fi)) * (D - np.maximum(o[k][fi], 0))).astype(
        np.int64) + 1
    famt = np.round(level[fi] * rng.uniform(0.1, 0.4, len(fi)) * rng.choice([-1, 1], len(fi)), -2)
    keep = fd < D
    ft = fd * DAY + _seconds(rng, len(fi), 9, 15)
    fdesc = np.where(famt > 0, DESC["基金申购"], DESC["基金赎回"])
    rows.add(a[fi][keep], ft[keep], famt[keep], "transfer", "mobile", True, fdesc[keep], stop=True)
    rows.add(cur[k][fi][keep], ft[keep], -famt[keep], "transfer", "mobile", True, fdesc[keep],
             stop=True)

    # ---- credit: decide overdue accounts first (repayments stop for their last days).
    overdue_days = np.where(w["overdue"][idx] & (close_day >= big), w["overdue_days"][idx], 0)
    overdue_left = overdue_days.copy()  # the first open credit account takes the overdue days
    credit_accounts = []  # (account idx array, customer idx array, days overdue array)

    def take_overdue(k, open_now):
        d = np.where(open_now, overdue_left[k], 0)
        overdue_left[k[open_now]] = 0
        return d

    for code, lo_amt, hi_amt in (("INST", 0.03, 0.15), ("UCC", 0.01, 0.05)):
        base_rate = {"INST": 0.0435, "UCC": 0.065}[code]
        spec = draws.TERM_ACCOUNTS[code]
        for which in ("current", "past"):
            mask = held[code] & ((rng.random(n) < spec["earlier"]) if which == "past" else True)
            T = np.array(spec["terms"])[rng.integers(0, len(spec["terms"]), n)]
            term_d = draws.term_days(T)
            if which == "current":
                soon = rng.random(n) < spec["soon"]
                mat = np.where(soon, D + rng.integers(1, spec["soon_days"], n),
                               D + (rng.random(n) * term_d).astype(np.int64) + 1)
            else:
                mat = rng.integers(0, max(D, 1), n)
            o = mat - term_d
            ok = mask & (o >= onboard + spec["gap"]) & (o < np.minimum(D, exit_day - 30)) \
                & (o < close_day)
            if which == "past":
                ok &= mat < close_day
            k = np.flatnonzero(ok)
            P = np.clip(np.round(revenue[k] * rng.uniform(lo_amt, hi_amt, len(k)), -4),
                        2e4 if code == "UCC" else 5e4, 3e5 if code == "UCC" else 3e6)
            rate = np.round(base_rate + rate_spread[k] + rng.uniform(-0.005, 0.01, len(k)), 4)
            d_over = take_overdue(k, mat[k] > D) if which == "current" else np.zeros(len(k), int)
            a = acc.add(k, code, o[k], mat_day=mat[k], limit=P, rate=rate, amount=P)
            credit_accounts.append((a, k, d_over))
            closed = _amortise(rng, rows, cal, a, cur[k], o[k], P, T[k], rate, d_over,
                               close_day[k], code)
            acc.parts[-1]["close"] = np.where(closed >= 0, closed, big)
            _sales(sales, k, code, o[k], P, onboard)

    # ---- working-capital line: month-end utilisation path, draws early, repayments late.
    ok, o = open_days("WCL")
    k = np.flatnonzero(ok)
    L = np.clip(np.round(revenue[k] * rng.uniform(0.05, 0.25, len(k)), -4), 1e5, 1e7)
    years = np.maximum(np.ceil((D + 1 - o[k]) / 365), 1).astype(np.int64)
    mat = o[k] + years * 365
    rate = np.round(0.048 + rate_spread[k] + rng.uniform(-0.005, 0.01, len(k)), 4)
    d_over = take_overdue(k, np.ones(len(k), bool))
    a = acc.add(k, "WCL", o[k], mat_day=mat, close_day=close_day[k], limit=L, rate=rate,
                amount=L)
    credit_accounts.append((a, k, d_over))
    _credit_line(rng, rows, cal, a, cur[k], o[k], L, rate, d_over, pd_[k], ratio[k], profile[k])
    _sales(sales, k, "WCL", o[k], L, onboard)

    # ---- business card: spending through the month, repaid in full on the 5th.
    ok, o = open_days("BCARD")
    k = np.flatnonzero(ok)
    limit = np.clip(np.round(revenue[k] * rng.uniform(0.005, 0.03, len(k)), -3), 1e4, 5e5)
    d_over = take_overdue(k, np.ones(len(k), bool))
    a = acc.add(k, "BCARD", o[k], close_day=close_day[k], limit=limit,
                rate=np.full(len(k), 0.1825))
    credit_accounts.append((a, k, d_over))
    spend = np.minimum(limit * rng.uniform(0.1, 0.5, len(k)), turnover[k] * 0.1)
    _card(rng, cal, rows, a, cur[k], o[k], spend, ratio[k], profile[k], lam[k], d_over)
    _sales(sales, k, "BCARD", o[k], limit, onboard)

    # ---- merchant acquiring: settlements into the current account, fee monthly.
    ok, o = open_days("POS")
    k = np.flatnonzero(ok)
    a = acc.add(k, "POS", o[k], close_day=close_day[k], rate=np.full(len(k), 0.0038))
    _sales(sales, k, "POS", o[k], turnover[k], onboard)
    counts = rng.poisson(rng.uniform(8, 22, len(k))[:, None] * ratio[k])
    om = cal.month_of(np.maximum(o[k], 0))
    counts[np.arange(M)[None, :] < om[:, None]] = 0
    ci_, cm_ = np.nonzero(counts)
    rep = counts[ci_, cm_]
    pi = np.repeat(ci_, rep)
    pm = np.repeat(cm_, rep)
    pday = cal.sample_days(rng, pm, profile[k][pi]) + 1  # settled the next night
    volume = turnover[k] * rng.uniform(0.3, 0.7, len(k))
    pw = rng.lognormal(0, 0.6, len(pi))
    gsum = np.bincount(pi * M + pm, weights=pw, minlength=len(k) * M)
    pamt = np.round(volume[pi] * ratio[k][pi, pm] * pw / gsum[pi * M + pm], 2)
    keep = (pday > o[k][pi]) & (pday < D)
    pt = pday * DAY + _seconds(rng, len(pi), 1, 3)
    rows.add(cur[k][pi][keep], pt[keep], pamt[keep], "card", "pos", True, "POS收单结算", stop=True)
    fee = np.bincount((pi * M + pm)[keep], weights=pamt[keep], minlength=len(k) * M)
    fee = fee.reshape(len(k), M) * 0.0038
    _month_end_charge(rng, rows, cal, cur[k], fee, "fee", "收单手续费")

    # ---- payroll and billing: salaries on the 10th, social insurance on the 15th.
    ok, o = open_days("PAY")
    k = np.flatnonzero(ok)
    a = acc.add(k, "PAY", o[k], close_day=close_day[k])
    _sales(sales, k, "PAY", o[k], turnover[k], onboard)
    wage = rng.uniform(4500, 9000, len(k)) * w["employees"][idx][k]
    payroll = np.minimum(wage, turnover[k] * 0.5)
    for dom, share, desc, chan, ci in ((10, 1.0, "代发工资", "online", True),
                                       (15, 0.28, "社保公积金代缴", "system", False)):
        ai, m, day = cal.monthly(o[k], np.minimum(exit_day[k], close_day[k]),
                                 np.full(len(k), dom))
        keep = ratio[k][ai, m] > 0.3
        amt = -np.round(payroll[ai] * share * rng.uniform(0.97, 1.04, len(ai)), 2)
        rows.add(cur[k][ai][keep], (day * DAY + _seconds(rng, len(ai), 9, 11))[keep], amt[keep],
                 "payment", chan, ci, desc, stop=True)

    # ---- cash management: a service with a monthly fee only.
    ok, o = open_days("CMS")
    k = np.flatnonzero(ok)
    acc.add(k, "CMS", o[k], close_day=close_day[k])
    _sales(sales, k, "CMS", o[k], np.zeros(len(k)), onboard)

    # ---- partner insurance: yearly premiums from the current account.
    loan_amount = np.zeros(n)
    for a_idx, k_idx, _ in credit_accounts:
        np.maximum.at(loan_amount, k_idx, np.nan_to_num(acc.concat()["limit"][a_idx]))
    for code, premium in (("CGI", np.maximum(loan_amount * 0.012, 300)),
                          ("INS", np.maximum(revenue * rng.uniform(0.0004, 0.0012, n), 1500))):
        mask = held[code] & ((loan_amount > 0) if code == "CGI" else True)
        ok, o = open_days(code, mask)
        k = np.flatnonzero(ok)
        prem = np.round(premium[k], 2)
        acc.add(k, code, o[k], close_day=close_day[k], amount=prem)
        _sales(sales, k, code, o[k], prem, onboard)
        yrs = np.arange(0, 40)
        day = o[k][:, None] + yrs[None, :] * 365
        okd = (day >= 0) & (day < D) & (day < close_day[k][:, None])
        ai, yi = np.nonzero(okd)
        rows.add(cur[k][ai], day[ai, yi] * DAY + _seconds(rng, len(ai), 1, 2), -prem[ai],
                 "premium", "system", False,
                 "信用保证保险保费" if code == "CGI" else "财产保险保费", stop=True)

    # ---- monthly service fees of held services (POS, PAY, CMS).
    accs = acc.concat()
    for code, fee in (("POS", 30.0), ("PAY", 20.0), ("CMS", 200.0)):
        sel = np.flatnonzero(accs["code"] == code)
        ai, m, day = cal.monthly(accs["open"][sel], accs["close"][sel],
                                 np.ones(len(sel), dtype=np.int64))
        rows.add(cur[accs["cust"][sel][ai]], day * DAY + _seconds(rng, len(ai), 0.5, 1.5), -fee,
                 "fee", "system", False, "服务月费")

    # ---- current-account interest, quarterly on the 21st.
    quarter_end = np.isin((np.arange(M) + cal.start.month - 1) % 12 + 1, [3, 6, 9, 12])
    qm = np.flatnonzero(quarter_end)
    if len(qm):
        ci_, qi = np.meshgrid(np.arange(n), qm, indexing="ij")
        day = cal.mstart[qi] + 20
        okq = (day > onboard[:, None]) & (day < D) & (day < close_day[:, None])
        amt = np.round(bal[ci_] * trend[ci_, qi] * 0.002 / 4, 2)
        rows.add(cur[ci_[okq]], day[okq] * DAY + _seconds(rng, okq.sum(), 1, 2), amt[okq],
                 "interest", "system", False, "活期结息")

    # ---- what the customer does themselves on the current account.
    other = rows.concat()
    other = _take(other, _alive(other, accs["cust"], exit_day, close_day))
    _free_flows(rng, w, idx, cal, rows, cur, other, ratio, e0, pre, trend, fade)

    tx = rows.concat()
    tx = _take(tx, _alive(tx, accs["cust"], exit_day, close_day) & (tx["t"] < D * DAY))
    tx, month_end = _settle(rng, cal, tx, accs, packages, w["tier"][idx], close_day)
    overdue = np.zeros(accs["cust"].shape[0], dtype=np.int64)
    for a_idx, _, d in credit_accounts:
        overdue[a_idx] = d
    return {"accounts": accs, "tx": tx, "month_end": month_end, "overdue": overdue,
            "sales": sales}


def _alive(tx, acc_cust, exit_day, close_day) -> np.ndarray:
    """Rows that happen: nothing after a customer closes, no own activity after they leave."""
    c = acc_cust[tx["acc"]]
    return (tx["t"] < close_day[c] * DAY) & ~(tx["stop"] & (tx["t"] >= exit_day[c] * DAY))


def _opening(rng, rows, a, cur_a, o, amount, kind, acc_desc, cur_desc):
    """Fund a new deposit-like account from the current account, or bring it forward."""
    pre = o < 0
    rows.add(a[pre], -1, amount[pre], "transfer", "system", False, "期初余额结转")
    inside = ~pre
    t = o[inside] * DAY + _seconds(rng, inside.sum(), 9, 16)
    rows.add(a[inside], t, amount[inside], kind, "online", True, acc_desc)
    rows.add(cur_a[inside], t, -amount[inside], "transfer", "online", True, cur_desc)


def _sales(sales, k, code, o, amount, onboard) -> None:
    """Remember products sold in the window after onboarding: the RM logged a sale."""
    sel = (o >= 0) & (o > onboard[k] + 14)
    for c, d, amt in zip(k[sel], o[sel], np.asarray(amount)[sel], strict=True):
        sales.append((int(c), code, int(d), float(amt)))


def _amortise(rng, rows, cal, a, cur_a, o, P, T, rate, d_over, close_day, code) -> np.ndarray:
    """Monthly straight-line repayments of instalment loans; return the day each closed."""
    D = cal.D
    if not len(a):
        return np.zeros(0, dtype=np.int64)
    k = np.arange(1, T.max() + 1 if len(T) else 1)
    ev = o[:, None] + np.rint(k[None, :] * 30.4375).astype(np.int64)
    valid = k[None, :] <= T[:, None]
    pp = np.round(P / T, 2)
    principal = np.where(k[None, :] == T[:, None], P[:, None] - pp[:, None] * (T[:, None] - 1),
                         pp[:, None])
    before = P[:, None] - pp[:, None] * (k[None, :] - 1)
    pre_n = (valid & (ev < 0)).sum(axis=1)
    pre = o < 0
    rows.add(a[pre], -1, (P - pp * pre_n)[pre], "transfer", "system", False, "期初余额结转")
    inside = ~pre & (o < D)
    t0 = o[inside] * DAY + _seconds(rng, inside.sum(), 10, 16)
    rows.add(a[inside], t0, P[inside], "drawdown", "branch", True, "贷款放款")
    rows.add(cur_a[inside], t0, P[inside], "transfer", "system", False, "贷款资金入账")
    paid = valid & (ev >= 0) & (ev < D) & (ev < D - d_over[:, None]) & (ev < close_day[:, None])
    li, ki = np.nonzero(paid)
    t = ev[li, ki] * DAY + _seconds(rng, len(li), 1, 3)
    interest = np.round(before[li, ki] * rate[li] / 12, 2)
    rows.add(a[li], t, -principal[li, ki], "repayment", "system", False,
             "分期贷款还款" if code == "INST" else "贷款还本付息")
    rows.add(cur_a[li], t, -(principal[li, ki] + interest), "repayment", "system", False,
             "贷款还本付息")
    last = np.where(valid, ev, -1).max(axis=1)
    done = (last < D) & (d_over == 0) & (last < close_day)
    return np.where(done, last, -1)


def _credit_line(rng, rows, cal, a, cur_a, o, L, rate, d_over, pd_, ratio, profile) -> None:
    """Draws in the first half of a month, repayments in the second, around a month-end path."""
    M, D = cal.M, cal.D
    n = len(a)
    if not n:
        return
    u = np.clip(rng.beta(2, 3, n) + 2 * pd_, 0.05, 0.9)
    ar = rng.standard_normal(n)
    prev = np.where(o < 0, L * np.clip(u + 0.12 * ar, 0, 0.97), 0.0)
    pre = o < 0
    rows.add(a[pre], -1, np.round(prev[pre], 2), "transfer", "system", False, "期初余额结转")
    for m in range(M):
        ar = 0.6 * ar + 0.8 * rng.standard_normal(n)
        target = L * np.clip(u + 0.12 * ar, 0, 0.97)
        first = cal.mstart[m] + np.where(o >= cal.mstart[m], o - cal.mstart[m] + 1, 0)
        active = (cal.mdays[m] >= 4) & (first < cal.mmid[m]) & (ratio[:, m] > 0.2)
        target = np.where(active, target, prev)
        net = target - prev
        gross = np.maximum(L * rng.uniform(0.05, 0.3, n) * ratio[:, m], np.abs(net) * 1.2)
        draws, repays = (gross + net) / 2, (gross - net) / 2
        for total, lo, hi, sign, count in ((draws, first, np.full(n, cal.mmid[m]), 1, 0.7),
                                           (repays, np.full(n, cal.mmid[m]),
                                            np.full(n, cal.mend[m]), -1, 0.5)):
            c = np.where(active & (total > 1), 1 + rng.poisson(count, n), 0)
            li = np.repeat(np.arange(n), c)
            if not len(li):
                continue
            wts = rng.lognormal(0, 0.5, len(li))
            ws = np.bincount(li, weights=wts, minlength=n)
            amt = np.round(total[li] * wts / ws[li], 2)
            day = lo[li] + (rng.random(len(li)) * np.maximum(hi[li] - lo[li], 1)).astype(np.int64)
            keep = day < D - d_over[li]
            t = day * DAY + _seconds(rng, len(li), 9, 17)
            if sign > 0:
                rows.add(a[li][keep], t[keep], amt[keep], "drawdown", "online", True, "循环贷提款",
                         stop=True)
                rows.add(cur_a[li][keep], t[keep], amt[keep], "transfer", "system", False,
                         "贷款资金入账", stop=True)
            else:
                rows.add(a[li][keep], t[keep], -amt[keep], "repayment", "online", True,
                         "归还循环贷", stop=True)
                rows.add(cur_a[li][keep], t[keep], -amt[keep], "repayment", "online", True,
                         "归还循环贷", stop=True)
        # Interest on the month-end balance, charged to the current account.
        if cal.mend[m] < D and cal.mend[m] == cal.mstart[m] + cal.mfull[m]:
            charged = (target > 0) & (o < cal.mend[m])
            rows.add(cur_a[charged], cal.mend[m] * DAY + 3600 + np.zeros(charged.sum(), int),
                     -np.round(target[charged] * rate[charged] / 12, 2), "interest", "system",
                     False, "贷款利息")
        prev = target


def _card(rng, cal, rows, a, cur_a, o, spend, ratio, profile, lam, d_over) -> None:
    """Card spending by activity; each month's spend repaid in full on the 5th of the next."""
    M, D = cal.M, cal.D
    n = len(a)
    if not n:
        return
    pre = o < 0
    carried = np.round(spend * rng.uniform(0.5, 1.2, n), 2)
    rows.add(a[pre], -1, carried[pre], "transfer", "system", False, "期初余额结转")
    t_first = (cal.mstart[0] + 4) * DAY + 3600
    rep = pre & (cal.mstart[0] + 4 < D - d_over)
    rows.add(a[rep], t_first, -carried[rep], "repayment", "system", False, "商务卡自动还款")
    rows.add(cur_a[rep], t_first, -carried[rep], "repayment", "system", False, "商务卡自动还款")
    counts = rng.poisson(rng.uniform(3, 12, n)[:, None] * ratio)
    om = cal.month_of(np.maximum(o, 0))
    counts[np.arange(M)[None, :] < om[:, None]] = 0
    ci_, cm_ = np.nonzero(counts)
    r = counts[ci_, cm_]
    si, sm = np.repeat(ci_, r), np.repeat(cm_, r)
    day = cal.sample_days(rng, sm, profile[si])
    wts = rng.lognormal(0, 0.8, len(si))
    ws = np.bincount(si * M + sm, weights=wts, minlength=n * M)
    amt = np.round(spend[si] * ratio[si, sm] * wts / ws[si * M + sm], 2)
    keep = (day > o[si]) & (day < D) & (amt > 0)
    chan = np.where(rng.random(len(si)) < 0.6, CHAN["pos"], CHAN["online"])
    rows.add(a[si][keep], (day * DAY + _seconds(rng, len(si), 8, 21))[keep], amt[keep], "card",
             chan[keep], True, "商务卡消费", stop=True)
    monthly = np.bincount((si * M + sm)[keep], weights=amt[keep], minlength=n * M).reshape(n, M)
    due = cal.mstart[1:] + 4
    li, mi = np.nonzero(monthly[:, :-1] > 0)
    ok = due[mi] < D - d_over[li]
    li, mi = li[ok], mi[ok]
    t = due[mi] * DAY + 3600
    rows.add(a[li], t, -np.round(monthly[li, mi], 2), "repayment", "system", False,
             "商务卡自动还款")
    rows.add(cur_a[li], t, -np.round(monthly[li, mi], 2), "repayment", "system", False,
             "商务卡自动还款")


def _month_end_charge(rng, rows, cal, cur_a, amounts, kind, desc) -> None:
    """Charge per-month amounts on the first day of the next month, once that day has come."""
    D = cal.D
    li, mi = np.nonzero(amounts > 0.005)
    ok = (cal.mend[mi] < D) & (cal.mend[mi] == cal.mstart[mi] + cal.mfull[mi])
    li, mi = li[ok], mi[ok]
    rows.add(cur_a[li], cal.mend[mi] * DAY + _seconds(rng, len(li), 0.5, 1.5),
             -np.round(amounts[li, mi], 2), kind, "system", False, desc)


def _free_flows(rng, w, idx, cal, rows, cur, other, ratio, e0, pre, trend, fade) -> None:
    """The customer's own receipts and payments, sized to follow a month-end balance path."""
    n, M, D = len(idx), cal.M, cal.D
    lam = w["lam"][idx]
    profile = w["profile"][idx]
    bal = w["balance"][idx]
    onboard = w["onboard"][idx]
    turnover = w["turnover"][idx]
    digital = w["digital"][idx]
    cash = w["cash"][idx]
    counts = rng.poisson(lam[:, None] * ratio)

    # Net of the other flows on each current account per month.
    on_cur = np.isin(other["acc"], cur) & (other["t"] >= 0)
    oc = other["acc"][on_cur]  # current accounts are numbered like their customers
    om = cal.month_of(other["t"][on_cur] // DAY)
    other_net = np.bincount(oc * M + om, weights=other["amt"][on_cur],
                            minlength=n * M).reshape(n, M)
    # Target month-end balances: the customer's level, trend, noise, draining when leaving.
    noise = np.empty((n, M))
    z = rng.standard_normal(n)
    for m in range(M):
        z = 0.6 * z + 0.8 * rng.standard_normal(n)
        noise[:, m] = np.exp(0.25 * z)
    residual = rng.uniform(0, 0.01, n)[:, None]
    stress = np.where(w["overdue"][idx][:, None] & (np.arange(M)[None, :] >= M - 3), 0.35, 1.0)
    target = bal[:, None] * trend ** 0.8 * noise * np.maximum(fade, residual) * stress
    typical = np.maximum(turnover / np.maximum(lam, 1), 100)

    E_prev = np.where(pre, e0, 0.0)
    flow = np.zeros((n, M))
    for m in range(M):
        opened_here = (onboard >= cal.mstart[m]) & (onboard < cal.mend[m])
        base = E_prev + other_net[:, m]
        if np.any(opened_here):
            base = np.where(opened_here, other_net[:, m], base)
        c = counts[:, m]
        want = target[:, m] - base
        single = np.sign(want) * np.minimum(np.abs(want), typical * rng.uniform(0.3, 1.5, n))
        f = np.where(c >= 2, want, np.where(c == 1, single, 0.0))
        flow[:, m] = f
        E_prev = base + f
        E_prev = np.where((onboard >= cal.mend[m]), 0.0, E_prev)

    ci_, cm_ = np.nonzero(counts)
    r = counts[ci_, cm_]
    g = np.repeat(ci_ * M + cm_, r)
    c, m = g // M, g % M
    start = np.cumsum(r) - r
    rank = np.arange(len(g)) - np.repeat(start, r)
    F = flow[c, m]
    single = counts[c, m] == 1
    inflow = np.where(single, F >= 0, (rank == 0) | ((rank >= 2) & (rng.random(len(g)) < 0.45)))
    wts = rng.lognormal(0, 0.9, len(g))
    w_in = np.bincount(g, weights=wts * inflow, minlength=n * M)
    w_out = np.bincount(g, weights=wts * ~inflow, minlength=n * M)
    gross = turnover[c] * ratio[c, m] * 2
    gross = np.maximum(gross, np.abs(F) * 1.1 + 200)
    amount = np.where(inflow, (gross + F) / 2 * wts / np.maximum(w_in[g], 1e-9),
                      -(gross - F) / 2 * wts / np.maximum(w_out[g], 1e-9))
    amount = np.where(single, F, amount)

    # Channel by the customer's habits: digital ones use mobile and online, cash-heavy ones
    # the branch and ATMs; the kind follows from direction and channel.
    chans = np.array([CHAN[x] for x in ("transfer", "mobile", "online", "branch", "atm")])
    p = np.stack([np.full(n, 0.3), 0.5 * digital, 0.3 * digital + 0.05,
                  0.4 * (1 - digital) * (0.3 + cash), 0.5 * cash], axis=1)
    p = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    ch = (rng.random(len(g))[:, None] > p[c]).sum(axis=1)
    ch = np.minimum(ch, 4)
    is_cash = ch >= 3
    amount = np.where(is_cash, np.sign(amount) * np.maximum(np.round(np.abs(amount), -2), 100),
                      np.round(amount, 2))
    ch = np.where((ch == 4) & (np.abs(amount) > 20000), 3, ch)  # big cash goes to the branch
    kind_in = np.array([KIND["transfer"], KIND["transfer"], KIND["transfer"], KIND["deposit"],
                        KIND["deposit"]])
    kind_out = np.array([KIND["transfer"], KIND["payment"], KIND["payment"], KIND["withdrawal"],
                         KIND["withdrawal"]])
    kind = np.where(inflow, kind_in[ch], kind_out[ch])
    desc_in = np.array([[DESC["销售回款"], DESC["货款收入"], DESC["转账收入"]],
                        [DESC["手机银行转入"], DESC["销售回款"], DESC["货款收入"]],
                        [DESC["网银转入"], DESC["货款收入"], DESC["销售回款"]],
                        [DESC["现金存入"]] * 3, [DESC["现金存入"]] * 3])
    desc_out = np.array([[DESC["转账支出"], DESC["支付货款"], DESC["采购原材料"]],
                         [DESC["手机银行付款"], DESC["支付运费"], DESC["员工报销"]],
                         [DESC["网银付款"], DESC["缴纳税费"], DESC["支付房租"]],
                         [DESC["现金支取"], DESC["水电燃气费"], DESC["现金支取"]],
                         [DESC["现金支取"], DESC["现金支取"], DESC["现金支取"]]])
    pick = rng.integers(0, 3, len(g))
    desc = np.where(inflow, desc_in[ch, pick], desc_out[ch, pick])
    # Receipts tend to come before the payments they fund: businesses pay once paid.
    day_a = cal.sample_days(rng, m, profile[c])
    day_b = cal.sample_days(rng, m, profile[c])
    day = np.where(inflow, np.minimum(day_a, day_b), np.maximum(day_a, day_b))
    hours = np.where(ch <= 2, _seconds(rng, len(g), 7.5, 22), _seconds(rng, len(g), 9, 17))
    keep = (day > onboard[c]) & (day < D) & (amount != 0)
    if not keep.any():
        return
    rows.add(cur[c][keep], (day * DAY + hours)[keep], amount[keep], "transfer",
             CHANNELS.index("transfer"), True, 0, stop=True, free=True)
    last = rows.parts[-1]
    last["kind"] = kind[keep].astype(np.int8)
    last["chan"] = chans[ch][keep].astype(np.int8)
    last["desc"] = desc[keep].astype(np.int16)


def _month_end_balances(cal, tx, n_acc) -> np.ndarray:
    """Balance of every account at the end of every month, from rows sorted by (acc, t)."""
    K = np.int64(1 << 34)
    keys = tx["acc"] * K + tx["t"] + 1
    run = np.cumsum(tx["amt"])
    accounts = np.arange(n_acc, dtype=np.int64)
    start = np.searchsorted(keys, accounts * K, side="left")
    base = np.where(start > 0, run[np.maximum(start - 1, 0)], 0) if len(run) else np.zeros(n_acc)
    out = np.zeros((n_acc, cal.M))
    for m in range(cal.M):
        pos = np.searchsorted(keys, accounts * K + cal.mend[m] * DAY + 1, side="left")
        has = pos > start
        out[:, m] = np.where(has, run[np.maximum(pos - 1, 0)] - base, 0) / 100 if len(run) else 0
    return out


def _settle(rng, cal, tx, accs, packages, tier, close_day) -> tuple[dict, np.ndarray]:
    """Order rows, keep balances >= 0, charge package fees, settle closed customers.

    Returns the final rows (amounts in cents) and every account's month-end balances.
    """
    big = BIG
    code = accs["code"]
    floor_acc = np.isin(code, (*DEPOSIT_LIKE, *CREDIT))
    cents = np.rint(tx["amt"] * 100).astype(np.int64)
    tx["amt"] = cents

    def order(tx):
        o = np.lexsort((tx["t"], tx["acc"]))
        return _take(tx, o)

    def lift(tx):
        """Raise each account's first amount so its running balance never dips below zero."""
        acc = tx["acc"]
        if not len(acc):
            return tx
        run = np.cumsum(tx["amt"])
        first = np.flatnonzero(np.r_[True, acc[1:] != acc[:-1]])
        base = np.repeat(run[first] - tx["amt"][first], np.diff(np.r_[first, len(acc)]))
        run = run - base
        low = np.minimum.reduceat(run, first) if len(first) else np.zeros(0, dtype=np.int64)
        need = np.where(floor_acc[acc[first]], np.maximum(-low, 0), 0)
        tx["amt"][first] += need
        return tx

    tx = lift(order(tx))
    # Package fees: month-end balance (with linked deposits for the higher tiers) below the
    # tier's minimum, charged on the first day of the next month.
    n, M = len(tier), cal.M
    month_end = _month_end_balances(cal, tx, len(code))
    cur_bal = np.zeros((n, M))
    linked_bal = np.zeros((n, M))
    for c_code in LINKED:
        sel = code == c_code
        np.add.at(linked_bal, accs["cust"][sel], month_end[sel])
    cur_bal[accs["cust"][code == "CUR"]] = month_end[code == "CUR"]
    fees = np.zeros((n, M))
    for name, pkg in packages.items():
        sel = tier == name
        basis = linked_bal[sel] if pkg.counts_linked_accounts else cur_bal[sel]
        fee = np.zeros_like(basis)
        rules = sorted(pkg.fee_rules or [], key=lambda r: -r["below"])
        if rules:
            for rule in rules:  # from the highest threshold down: the lowest applicable wins
                fee = np.where(basis < rule["below"], float(rule["fee"]), fee)
        else:
            fee = np.where(basis < float(pkg.min_balance), float(pkg.monthly_fee), 0.0)
        fees[sel] = fee
    cur = np.flatnonzero(code == "CUR")
    cust_of_cur = accs["cust"][cur]
    opened_cur = accs["open"][cur]
    alive_m = (cal.mend[None, :] > opened_cur[:, None] + 1) & \
        (cal.mend[None, :] < close_day[cust_of_cur][:, None])
    fees[cust_of_cur] = np.where(alive_m, fees[cust_of_cur], 0)
    # Basic tier: transactions beyond the first 100 a month cost 1.00 each.
    free_cur = tx["free"] & np.isin(tx["acc"], cur)
    mcount = np.bincount(accs["cust"][tx["acc"][free_cur]] * M
                         + cal.month_of(tx["t"][free_cur] // DAY), minlength=n * M).reshape(n, M)
    over = np.where((tier == "basic")[:, None], np.maximum(mcount - 100, 0) * 1.0, 0)
    extra = _Rows()
    cur_by_cust = np.zeros(n, dtype=np.int64)
    cur_by_cust[cust_of_cur] = cur
    _month_end_charge(rng, extra, cal, cur_by_cust, fees, "fee", "账户管理费")
    _month_end_charge(rng, extra, cal, cur_by_cust, over, "fee", "超额交易手续费")
    fee_rows = extra.concat()
    fee_rows["amt"] = np.rint(fee_rows["amt"] * 100).astype(np.int64)
    keep = fee_rows["t"] < close_day[accs["cust"][fee_rows["acc"]]] * DAY
    tx = lift(order(_join(tx, _take(fee_rows, keep))))

    # Closed customers: every open account is settled to zero on the closing day.
    closing = accs["close"].copy()
    cust_close = close_day[accs["cust"]]
    settle = (cust_close < big) & (closing >= cust_close)
    balance = np.bincount(tx["acc"], weights=tx["amt"], minlength=len(code)).astype(np.int64)
    s = np.flatnonzero(settle & (balance != 0))
    if len(s):
        is_credit = np.isin(code[s], CREDIT)
        closing_rows = {
            "acc": s, "t": cust_close[s] * DAY + _seconds(rng, len(s), 10, 15),
            "amt": -balance[s],
            "kind": np.where(is_credit, KIND["repayment"], KIND["withdrawal"]).astype(np.int8),
            "chan": np.full(len(s), CHAN["branch"], dtype=np.int8), "ci": np.ones(len(s), bool),
            "desc": np.where(is_credit, DESC["提前结清贷款"], DESC["销户结清"]).astype(np.int16),
            "stop": np.zeros(len(s), bool), "free": np.zeros(len(s), bool)}
        tx = order(_join(tx, closing_rows))
    accs["close"] = np.where(settle, cust_close, closing)
    return tx, month_end
