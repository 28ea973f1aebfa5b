"""The staff and the customers with their hidden truth (propensities, hazards, defaults,
preferred contacts), and the truth file for checking models."""

import csv
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select

from backend.auth import service as auth_service
from backend.auth.models import User
from backend.demo import draws
from backend.demo.base import BIG, PASSWORD, _Calendar, _sigmoid
from backend.demo.words import (
    BRANDS,
    CITIES,
    EMAIL_DOMAINS,
    GIVEN,
    HELD,
    IND_KEYS,
    INDUSTRIES,
    LEAVE_REASONS,
    PROPENSITY,
    SURNAMES,
)
from backend.extensions import db

# --------------------------------------------------------------------------- staff

CONTRACT_STAFF = (
    # username, role, team, grade, display name, line
    ("rm1", "rm", 0, 3, "张伟", "sme"), ("rm2", "rm", 0, 2, "李娜", "sme"),
    ("rm3", "rm", 0, 5, "王芳", "sme"), ("rm4", "rm", 1, 4, "刘洋", "sme"),
    ("rm5", "rm", 1, 1, "陈静", "sme"), ("lead1", "lead", 0, 5, "赵敏", "sme"),
    ("lead2", "lead", 1, 5, "孙强", "sme"), ("analyst1", "analyst", None, 1, "周婷", "sme"),
    ("referrer1", "referrer", None, 1, "吴刚", "retail"),
    ("admin1", "admin", None, 1, "系统管理员", "sme"),
)


def _team_name(i: int) -> str:
    return f"小微{chr(ord('A') + i)}组" if i < 26 else f"小微{i + 1}组"


def _person_names(rng, n):
    sw = np.array([s[2] for s in SURNAMES])
    s = rng.choice(len(SURNAMES), n, p=sw / sw.sum())
    g = rng.integers(0, len(GIVEN), n)
    zh = [SURNAMES[a][0] + GIVEN[b][0] for a, b in zip(s, g, strict=True)]
    en = [f"{SURNAMES[a][1]} {GIVEN[b][1]}" for a, b in zip(s, g, strict=True)]
    return zh, en, s


def _create_staff(rng, rms: int) -> dict:
    """Create the contract users (DESIGN §9) and, for rms > 5, more teams of about five."""
    specs = list(CONTRACT_STAFF)
    extra = rms - 5
    teams = 2
    if extra:
        sizes = [5] * (extra // 5) + ([extra % 5] if extra % 5 else [])
        names, _, _ = _person_names(rng, extra + len(sizes))
        grades = rng.integers(1, 6, extra)
        number = 6
        for t, size in enumerate(sizes):
            team = 2 + t
            for _ in range(size):
                specs.append((f"rm{number}", "rm", team, int(grades[number - 6]),
                              names[number - 6], "sme"))
                number += 1
            specs.append((f"lead{team + 1}", "lead", team, 5, names[extra + t], "sme"))
        teams += len(sizes)
    password_hash = auth_service.hash_password(PASSWORD)  # scrypt is slow: hash once
    existing = {u.username: u for u in db.session.scalars(select(User))}
    users = {}
    for username, role, team, grade, name, line in specs:
        user = existing.get(username)
        if user is None:
            user = auth_service.create_user(
                username=username, password="", password_hash=password_hash, role=role,
                display_name=name, team=_team_name(team) if team is not None else None,
                grade=grade, line=line)
            user.email = f"{username}@bank.example"
            user.phone = f"0571-8{int(rng.integers(0, 10_000_000)):07d}"
            if role in ("rm", "lead"):
                user.quiet_start = datetime.strptime("21:30", "%H:%M").time()
                user.quiet_end = datetime.strptime("07:30", "%H:%M").time()
        users[username] = user
    db.session.flush()
    rm_rows = [(u.id, s[2], s[3]) for s in specs if s[1] == "rm" for u in [users[s[0]]]]
    team_cities = [[c for c in range(len(CITIES)) if c % teams == t % len(CITIES)]
                   or [t % len(CITIES)] for t in range(teams)]
    return {"users": users, "teams": [_team_name(t) for t in range(teams)],
            "rm_ids": np.array([r[0] for r in rm_rows]),
            "rm_team": np.array([r[1] for r in rm_rows]),
            "rm_grade": np.array([r[2] for r in rm_rows]), "team_cities": team_cities,
            "logins": [(s[0], s[1], _team_name(s[2]) if s[2] is not None else "") for s in specs]}


# --------------------------------------------------------------------------- customers and truth


def _draw_world(rng, n: int, cal: _Calendar, staff: dict) -> dict:
    """Draw every customer's traits and hidden truth (vectorised over all customers)."""
    D = cal.D
    w = {}
    iw = np.array([INDUSTRIES[k]["w"] for k in IND_KEYS], dtype=float)
    ind = rng.choice(len(IND_KEYS), n, p=iw / iw.sum())
    w["industry"] = ind

    def trait(name):
        return np.array([INDUSTRIES[k][name] for k in IND_KEYS], dtype=float)[ind]

    # Portfolio: RMs get similar shares; a customer's city is one its RM's team covers.
    share = rng.lognormal(0, 0.15, len(staff["rm_ids"]))
    rm = rng.choice(len(share), n, p=share / share.sum())
    w["rm"] = rm
    city = np.empty(n, dtype=np.int64)
    cw = np.array([c[4] for c in CITIES], dtype=float)
    for t, cities in enumerate(staff["team_cities"]):
        sel = staff["rm_team"][rm] == t
        p = cw[cities] / cw[cities].sum()
        city[sel] = np.array(cities)[rng.choice(len(cities), sel.sum(), p=p)]
    w["city"] = city

    z_rev = rng.standard_normal(n)
    revenue = np.exp(np.log(3.5e6) + 1.25 * z_rev)
    revenue = np.clip(revenue, 2e5, 5e8).round(-3)
    w["revenue"] = revenue
    w["z_rev"] = (np.log(revenue) - np.log(3.5e6)) / 1.25
    employees = np.maximum(1, np.rint(revenue / trait("rpe") * rng.lognormal(0, 0.4, n)))
    w["employees"] = employees.astype(np.int64)
    age_years = np.clip(np.exp(np.log(7) + 0.25 * z_rev + 0.6 * rng.standard_normal(n)), 0.6, 40)
    w["founded"] = D - np.rint(age_years * 365.25).astype(np.int64)
    # Tenure with the bank: some brand new, most a few years.
    new = rng.random(n) < 0.07
    tenure = np.where(new, rng.integers(1, 90, n),
                      np.exp(np.log(4 * 365) + 0.8 * rng.standard_normal(n)).astype(np.int64))
    tenure = np.minimum(tenure, np.maximum(D - w["founded"] - 30, 1))
    tenure = np.where(new, tenure, np.clip(tenure, 90, 15 * 365))
    w["onboard"] = D - tenure
    tenure_y = tenure / 365.25

    owner_zh, owner_en, surname = _person_names(rng, n)
    w["owner_age"] = np.clip(rng.normal(46, 9, n), 24, 72).round()
    # Sister companies: some customers share their owner with another customer.
    sister = np.flatnonzero(rng.random(n) < 0.04)
    other = rng.integers(0, n, len(sister))
    keep = other != sister
    sister, other = sister[keep], other[keep]
    for a, b in zip(sister, other, strict=True):
        owner_zh[a], owner_en[a], surname[a] = owner_zh[b], owner_en[b], surname[b]
    w["owner_zh"], w["owner_en"], w["surname"] = owner_zh, owner_en, surname
    w["affiliates"] = np.stack([sister, other], axis=1)

    digital = _sigmoid(0.6 - 0.05 * (w["owner_age"] - 46) + 1.0 * (trait("growth") > 0.05)
                       + 0.8 * rng.standard_normal(n))
    w["digital"] = digital
    w["cash"] = np.clip(trait("cash") * rng.lognormal(0, 0.4, n), 0.01, 0.8)
    g = np.clip(rng.normal(0.04, 0.15, n) + trait("growth"), -0.5, 0.6)
    w["growth"] = g
    w["trend"] = np.where(g > 0.10, "growing", np.where(g < -0.05, "declining", "stable"))
    w["profile"] = trait("consumer").astype(np.int64)
    w["balance"] = np.clip(revenue * np.exp(np.log(0.015) + 0.7 * rng.standard_normal(n)),
                           800, 2e7)
    w["z_bal"] = (np.log(w["balance"]) - np.log(5e4)) / 1.4
    w["turnover"] = revenue / 12 * rng.beta(4, 3, n)
    w["lam"] = np.clip(np.exp(np.log(17) + 0.3 * z_rev + 0.45 * rng.standard_normal(n)), 2, 80)
    w["slow_start"] = new & (rng.random(n) < 0.35)

    # Truth: propensity per product.
    heavy = np.isin(ind, [IND_KEYS.index(k) for k in
                          ("manufacturing", "construction", "logistics", "agriculture")])
    x = {"rev": w["z_rev"], "bal": w["z_bal"], "dig": digital - 0.5, "g": g,
         "young": (age_years < 3).astype(float), "emp": (np.log(employees) - 2) / 1.2,
         "credit": trait("credit"), "pos": trait("pos"), "pay": trait("pay"),
         "old_owner": (w["owner_age"] > 45).astype(float)}
    logits = {
        "TD": -1.0 + 0.8 * x["bal"] - 0.8 * x["g"],
        "MMF": -1.4 + 0.7 * x["bal"] + 0.8 * x["dig"],
        "INST": -1.3 + 0.3 * x["rev"] + 0.8 * x["credit"] + 2.0 * x["g"],
        "WCL": -2.0 + 0.8 * x["rev"] + 0.9 * x["credit"] + 1.2 * x["g"],
        "UCC": -2.0 - 0.4 * x["rev"] + 0.7 * x["young"] + 0.8 * x["dig"],
        "BCARD": -1.1 + 0.4 * x["rev"] + 1.0 * x["dig"],
        "POS": -1.4 + 1.0 * x["pos"] + 0.5 * x["dig"],
        "PAY": -1.5 + 0.9 * x["pay"] + 0.8 * x["emp"],
        "CMS": -3.6 + 1.2 * x["rev"],
        "CGI": -0.8 + 0.5 * x["credit"] - 0.3 * x["rev"],
        "INS": -1.9 + 0.4 * x["rev"] + 0.8 * heavy,
        "FUND": -2.2 + 0.8 * x["bal"] + 0.8 * x["dig"],
        "RPL": -1.9 + 0.6 * (w["owner_age"] < 40) + 0.8 * x["g"] + 0.3 * x["credit"],
        "PWM": -4.2 + 1.0 * x["rev"] + 0.8 * x["bal"] + 0.6 * x["old_owner"],
    }
    w["propensity"] = {k: _sigmoid(v + 0.5 * rng.standard_normal(n)) for k, v in logits.items()}
    exposure = draws.exposure(tenure_y)
    held = {k: rng.random(n) < w["propensity"][k] * exposure for k in HELD}
    has_loan = held["INST"] | held["WCL"] | held["UCC"]
    held["CGI"] &= has_loan
    w["held"] = held

    # Truth: attrition. Hazard is the yearly probability of leaving.
    # Short tenure, a shrinking business, few products and a digital owner who can switch
    # banks from the phone make leaving likelier.
    products_held = sum(held[k].astype(float) for k in HELD)
    hazard = _sigmoid(-1.9 - 0.15 * np.minimum(tenure_y, 10) + 4.0 * np.maximum(0, -g)
                      - 0.3 * w["z_rev"] - 0.35 * products_held + 0.6 * (digital > 0.75)
                      + 0.7 * rng.standard_normal(n))
    w["hazard"] = hazard
    w["exit"] = exit_day = draws.draw_exit(rng, hazard, w["onboard"], D)
    leaves = exit_day < BIG
    closes = leaves & (exit_day < D - 120) & (rng.random(n) < 0.4)
    close_day = np.minimum(exit_day + rng.integers(30, 180, n), D - 1)
    w["close"] = np.where(closes, close_day, BIG)
    w["leave_reason"] = rng.integers(0, len(LEAVE_REASONS), n)

    # Truth: default probability over the next twelve months.
    pd_ = _sigmoid(-3.7 + 1.5 * trait("risk") - 0.5 * w["z_rev"] + 0.8 * (age_years < 3)
                   + 3.0 * np.maximum(0, -g) + 0.7 * rng.standard_normal(n))
    w["pd"] = pd_
    w["defaults_12m"] = rng.random(n) < pd_
    w["overdue"] = rng.random(n) < np.minimum(0.6, pd_ * 3)
    w["overdue_days"] = np.where(rng.random(n) < 0.6, rng.integers(1, 30, n),
                                 np.where(rng.random(n) < 0.6, rng.integers(30, 90, n),
                                          rng.integers(90, 181, n)))

    # Package tier the customer chose, from the balances they keep (with some mismatch:
    # those below their tier's minimum pay the monthly fee).
    linked = w["balance"] * (1 + 0.8 * held["TD"] + 0.4 * held["MMF"]) * rng.lognormal(0, .4, n)
    w["tier"] = np.where(linked >= 2e5, "advanced",
                         np.where(linked >= 4e4, "intermediate", "basic"))

    # Truth: how the customer prefers to be contacted.
    pref = np.where(w["z_rev"] > 1.0, 0, np.where(digital > 0.7, 2, 1))
    pref = np.where(rng.random(n) < 0.25, rng.integers(0, 4, n), pref)
    w["pref_channel"] = np.array(["visit", "call", "message", "email"])[pref]
    hour_base = np.where(np.isin(ind, [IND_KEYS.index("catering")]), 15,
                         np.where(w["profile"] == 1, 10, 9))
    w["pref_hour"] = np.clip(hour_base + rng.choice([0, 1, 2, 5, 6], n), 8, 20)
    w["consent_marketing"] = rng.random(n) < 0.86
    w["consent_phone"] = rng.random(n) < 0.93
    w["consent_email"] = rng.random(n) < 0.82
    _names(rng, w, n)
    return w


def _names(rng, w: dict, n: int) -> None:
    """Company names in Chinese and English from the word lists, unique within the bank."""
    brand = rng.integers(0, len(BRANDS), n)
    word = rng.integers(0, 1000, n)
    kind_u = rng.random(n)
    names_zh, names_en, emails, phones = [], [], [], []
    seen = set()
    phone_prefix = ("138", "139", "135", "136", "137", "150", "151", "158", "159", "186",
                    "187", "188", "189", "177", "199")
    pp = rng.integers(0, len(phone_prefix), n)
    pn = rng.integers(0, 100_000_000, n)
    dom = rng.integers(0, len(EMAIL_DOMAINS), n)
    for i in range(n):
        words = INDUSTRIES[IND_KEYS[w["industry"][i]]]["words"]
        city_zh, city_en = CITIES[w["city"][i]][:2]
        rev, emp = w["revenue"][i], w["employees"][i]
        if emp < 5 and kind_u[i] < 0.6:
            suffix = (("商行", "Store"), ("经营部", "Trading Department"))[int(kind_u[i] * 10) % 2]
        elif rev > 2e8 and kind_u[i] < 0.5:
            suffix = ("集团有限公司", "Group Co., Ltd.")
        elif emp >= 100 and kind_u[i] < 0.4:
            suffix = ("股份有限公司", "Joint Stock Co., Ltd.")
        else:
            suffix = ("有限公司", "Co., Ltd.")
        b, k = brand[i], word[i] % len(words)
        for attempt in range(len(BRANDS)):
            bz, be = BRANDS[(b + attempt * 7) % len(BRANDS)]
            zh = f"{city_zh}{bz}{words[k][0]}{suffix[0]}"
            if zh not in seen:
                break
        else:
            zh = f"{city_zh}{bz}{words[k][0]}{suffix[0]}（{i + 1}）"
        seen.add(zh)
        names_zh.append(zh)
        names_en.append(f"{city_en} {be} {words[k][1]} {suffix[1]}")
        slug = be.lower().replace("'", "").replace("ü", "u")
        if rev > 3e7:
            emails.append(f"finance@{slug}{w['city'][i]}.com.cn")
        else:
            owner = w["owner_en"][i].lower().replace(" ", "").replace("ü", "u")
            emails.append(f"{owner}{int(pn[i]) % 1000}@{EMAIL_DOMAINS[dom[i]]}")
        phones.append(f"{phone_prefix[pp[i]]}{int(pn[i]):08d}")
    w["name_zh"], w["name_en"], w["email"], w["phone"] = names_zh, names_en, emails, phones


def _write_truth(path: Path, w: dict, cal: _Calendar) -> None:
    """Write the hidden truth, one row per customer, for checking scoring models later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    big = BIG
    n = len(w["revenue"])
    header = ["external_id", "industry", "trend", "growth_rate", "status", "attrition_hazard_12m",
              "exit_on", "attrites_12m", "default_prob_12m", "defaults_12m",
              "days_overdue", "pref_channel", "pref_hour", "slow_start",
              *[f"p_{c}" for c in PROPENSITY], *[f"holds_{c}" for c in HELD]]
    D = cal.D
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(header)
        for i in range(n):
            ex = w["exit"][i]
            out.writerow([
                f"C{i + 1:08d}", IND_KEYS[w["industry"][i]], w["trend"][i],
                f"{w['growth'][i]:.4f}", w["status"][i], f"{w['hazard'][i]:.4f}",
                "" if ex >= big else cal.date_of(ex).isoformat(),
                int(D <= ex < D + 365),
                f"{w['pd'][i]:.4f}", int(w["defaults_12m"][i] or w["days_overdue"][i] >= 90),
                int(w["days_overdue"][i]), w["pref_channel"][i], int(w["pref_hour"][i]),
                int(w["slow_start"][i]),
                *[f"{w['propensity'][c][i]:.4f}" for c in PROPENSITY],
                *[int(w["held_now"][c][i]) for c in HELD],
            ])
