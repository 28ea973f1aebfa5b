"""The RM report, the team dashboard and the products report; their monthly snapshots.

A report covers one month (the running month up to today by default). A closed month is
read from its snapshot when one was taken, so past months stay as they were; a month
without one is computed from the data as it is now. Bodies are JSON-ready: the same dict
is stored in a snapshot and served. Every table of a report is in `tables`, a list of flat
rows, so it can be exported as CSV.
"""

import statistics
from bisect import bisect_right
from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from backend.auth.models import Team, User
from backend.customers.models import Account
from backend.customers.portfolio import Viewer
from backend.errors import Forbidden, Invalid, NotFound
from backend.extensions import db
from backend.models_base import dialect_insert, month_key, utcnow
from backend.offers import experiments as offer_experiments
from backend.offers.models import Offer
from backend.reports import figures
from backend.reports import products as product_portfolio
from backend.reports.models import ReportSnapshot
from backend.reports.periods import Period, month_of, month_starts, week_starts
from backend.scoring.models import Experiment, ModelVersion
from backend.timeutil import bank_day_sql, start_of_bank_day

PRODUCT_VIEWERS = ("analyst", "admin", "lead")
FUNNEL = (("presented", "offers_presented"), ("accepted", "offers_accepted"),
          ("sold", "offers_sold"))
TREND_FIGURES = ("contacts", "reached", "sales_amount")
BANK_WIDE = 0  # subject id of the products report's snapshots


# --------------------------------------------------------------------------- who sees what


def _report_rm(viewer: Viewer, rm_id: int | None) -> User:
    """The RM whose report the viewer asked for: an RM their own, a lead one of the team."""
    if viewer.role == "rm":
        if rm_id not in (None, viewer.id):
            raise Forbidden("An RM sees only their own report")
        return db.session.get(User, viewer.id)
    if viewer.role != "lead":
        raise Forbidden("RM reports are for RMs and their leads")
    if rm_id is None:
        raise Invalid("Say whose report", {"rm": ["Required for a lead."]})
    rm = db.session.get(User, rm_id)
    if rm is None or rm.role != "rm" or rm.team_id is None or rm.team_id != viewer.team_id:
        raise NotFound("No such RM in your team")
    return rm


def _report_team(viewer: Viewer) -> Team:
    if viewer.role != "lead" or viewer.team_id is None:
        raise Forbidden("The team dashboard is for team leads")
    return db.session.get(Team, viewer.team_id)


def _team_rms(team_id: int | None, rm: User | None = None) -> list[User]:
    """The team's RMs (or just this RM when they have no team), by id."""
    if team_id is None:
        return [rm] if rm is not None else []
    return list(db.session.scalars(select(User).where(User.team_id == team_id,
                                                      User.role == "rm").order_by(User.id)))


# --------------------------------------------------------------------------- building blocks


def _header(kind: str, period: Period) -> dict:
    return {"kind": kind, "month": period.month, "from": period.start.isoformat(),
            "to": period.last_day.isoformat(), "closed": period.closed,
            "generated_at": utcnow().isoformat(timespec="seconds") + "Z", "snapshot": None}


def _median(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(float(statistics.median(present)), 4) if present else None


def _medians(rows: dict[int, dict]) -> dict:
    return {name: _median(row[name] for row in rows.values()) for name in figures.FIGURES}


class TeamFigures:
    """A team's figures for a period, computed once for the dashboard and the RM reports."""

    def __init__(self, rms: list[User], period: Period, today: date, *, monthly: bool):
        self.rms = rms
        self.ids = [u.id for u in rms]
        self.period = period
        self.rows, self.channels = figures.rows_for(self.ids, period.start, period.end, today)
        self.median = _medians(self.rows)
        self.weeks = week_starts(period.last_day)
        self.months = month_starts(period.last_day) if monthly else []
        # the dashboard's trend is weekly: read only the days it needs
        since = min([self.weeks[0], *self.months[:1]])
        self._daily = figures.daily_contacts(self.ids, since, period.end)

    def trends(self, starts: list[date]) -> dict[int, list[dict]]:
        """Each RM's contacts, reached and sales per bucket starting at each of `starts`."""
        keys = [d.isoformat() for d in starts]
        sums = {rm: [[0, 0, 0.0] for _ in starts] for rm in self.ids}
        for (rm, day), values in self._daily.items():
            bucket = bisect_right(keys, day) - 1
            if bucket >= 0:
                for k, v in enumerate(values):
                    sums[rm][bucket][k] += v
        return {rm: [dict(zip(TREND_FIGURES, (n, reached, round(sales, 2)), strict=True))
                     for n, reached, sales in buckets] for rm, buckets in sums.items()}


def _trend_table(label: str, starts: list[date], mine: list[dict],
                 team: list[list[dict]]) -> list[dict]:
    """Rows of a trend: the RM's figures and the team's median per bucket."""
    out = []
    for k, start in enumerate(starts):
        row = {label: start.isoformat() if label == "week" else f"{start:%Y-%m}", **mine[k]}
        for name in TREND_FIGURES:
            row[f"team_median_{name}"] = _median(t[k][name] for t in team)
        out.append(row)
    return out


def _rm_body(rm: User, team: Team | None, data: TeamFigures) -> dict:
    row, median = data.rows[rm.id], data.median
    weekly, monthly = data.trends(data.weeks), data.trends(data.months)
    return {
        **_header("rm", data.period),
        "rm": {"id": rm.id, "name": rm.display_name},
        "team": {"id": team.id, "name": team.name} if team else None,
        "figures": row, "team_median": median,
        "tables": {
            "figures": [{"figure": f, "value": row[f], "team_median": median[f]}
                        for f in figures.FIGURES],
            "channels": data.channels[rm.id],
            "funnel": [{"stage": stage, "count": row[key], "team_median": median[key]}
                       for stage, key in FUNNEL],
            "weekly": _trend_table("week", data.weeks, weekly[rm.id], list(weekly.values())),
            "monthly": _trend_table("month", data.months, monthly[rm.id],
                                    list(monthly.values())),
        },
    }


def _summed_channels(data: TeamFigures) -> list[dict]:
    table: dict = defaultdict(lambda: {"planned": 0, "done": 0, "logged": 0, "reached": 0})
    for per_rm in data.channels.values():
        for row in per_rm:
            for key in ("planned", "done", "logged", "reached"):
                table[row["channel"]][key] += row[key]
    return [{"channel": c, **v} for c, v in table.items()]


def _team_body(team: Team, data: TeamFigures) -> dict:
    weekly = data.trends(data.weeks)
    totals = {name: round(sum(r[name] or 0 for r in data.rows.values()), 2)
              for name in figures.COUNTS if name != "satisfaction_index"}
    for rate, (part, whole) in figures.RATES.items():
        totals[rate] = round(totals[part] / totals[whole], 4) if totals[whole] else None
    return {
        **_header("team", data.period),
        "team": {"id": team.id, "name": team.name},
        "totals": totals, "median": data.median,
        "approvals": figures.open_approvals(data.ids),
        "tables": {
            "rms": [{"rm_id": u.id, "rm_name": u.display_name, **data.rows[u.id]}
                    for u in data.rms],
            "channels": _summed_channels(data),
            "risk_cases": figures.risk_by_severity(data.ids),
            "weekly": [{"week": start.isoformat(),
                        **{name: round(sum(w[k][name] for w in weekly.values()), 2)
                           for name in TREND_FIGURES}}
                       for k, start in enumerate(data.weeks)],
        },
    }


# --------------------------------------------------------------------------- products


def _portfolio_rows(viewer: Viewer, as_of: date) -> dict:
    view = product_portfolio.view(viewer, as_of)
    rows = [{"code": i["product"]["code"], "name": i["product"]["name"],
             "name_en": i["product"]["name_en"], "family": i["product"]["family"],
             "line": i["product"]["line"],
             **{k: i[k] for k in ("holders", "new_sales", "revenue", "cost", "margin", "uptake",
                                  "simplify")}} for i in view["items"]]
    return {"rows": rows, "simplify_candidates": view["simplify_candidates"],
            "simplify_share": view["simplify_share"]}


def _experiment_rows() -> list[dict]:
    """Each arm of every started experiment with its rates and 95% intervals."""
    out = []
    for experiment in db.session.scalars(select(Experiment).where(Experiment.state != "draft")
                                         .order_by(Experiment.id)):
        arms = offer_experiments.compare(experiment)["arms"]
        for arm in arms:
            row = {"experiment": experiment.name, "state": experiment.state,
                   "started_on": experiment.started_on and experiment.started_on.isoformat(),
                   "cell": arm["cell"], "version": arm["version"], "customers": arm["customers"]}
            for name in ("acceptance", "sales", "contact_success"):
                for key in ("rate", "low", "high", "n"):
                    row[f"{name}_{key}"] = arm[name][key]
            row["sales_amount"] = arm["sales"]["amount"]
            out.append(row)
    return out


def _model_rows(until: date) -> list[dict]:
    """Every trained version's validation figures, oldest first per model."""
    out = []
    for v in db.session.scalars(select(ModelVersion)
                                .where(ModelVersion.trained_at < start_of_bank_day(until))
                                .order_by(ModelVersion.name, ModelVersion.trained_at)):
        metrics = v.metrics or {}
        validation = metrics.get("validation") or {}
        out.append({"model": v.name, "version": v.version, "role": v.role, "kind": v.kind,
                    "trained_at": v.trained_at.isoformat(timespec="seconds"),
                    "auc": metrics.get("auc"), "n": validation.get("n"),
                    "base_rate": validation.get("base_rate"),
                    "lift_10": validation.get("lift_10"),
                    "capture_20": validation.get("capture_20")})
    return out


def _monthly_sales(period: Period) -> list[dict]:
    """New accounts opened and offers sold per month, bank-wide, over the trend months."""
    starts = month_starts(period.last_day)
    dialect = db.engine.dialect.name
    opened_month = month_key(Account.opened_on, dialect)
    opened = dict(db.session.execute(
        select(opened_month, func.count())
        .where(Account.opened_on >= starts[0], Account.opened_on < period.end)
        .group_by(opened_month)).all())
    sold_month = func.substr(bank_day_sql(Offer.state_changed_at, dialect), 1, 7)
    sold = {month: (n, amount) for month, n, amount in db.session.execute(
        select(sold_month, func.count(), func.coalesce(func.sum(Offer.sold_amount), 0))
        .where(Offer.state == "sold",
               Offer.state_changed_at >= start_of_bank_day(starts[0]),
               Offer.state_changed_at < start_of_bank_day(period.end))
        .group_by(sold_month))}
    out = []
    for start in starts:
        month = f"{start:%Y-%m}"
        n, amount = sold.get(month, (0, 0))
        out.append({"month": month, "new_accounts": opened.get(month, 0), "offers_sold": n,
                    "sold_amount": round(float(amount or 0), 2)})
    return out


def _products_body(viewer: Viewer, period: Period) -> dict:
    products = _portfolio_rows(viewer, period.last_day)
    return {
        **_header("products", period),
        "simplify_candidates": products["simplify_candidates"],
        "simplify_share": products["simplify_share"],
        "tables": {"portfolio": products["rows"], "experiments": _experiment_rows(),
                   "models": _model_rows(period.end), "monthly": _monthly_sales(period)},
    }


# --------------------------------------------------------------------------- snapshots


def _snapshot(kind: str, subject_id: int, month: str) -> dict | None:
    row = db.session.scalar(select(ReportSnapshot).where(
        ReportSnapshot.kind == kind, ReportSnapshot.subject_id == subject_id,
        ReportSnapshot.month == month))
    if row is None:
        return None
    return {**row.body, "snapshot": {"taken_at": row.taken_at.isoformat(timespec="seconds")
                                     + "Z"}}


def _store(kind: str, subject_id: int, month: str, body: dict) -> None:
    insert = dialect_insert()
    db.session.execute(insert(ReportSnapshot).values(
        kind=kind, subject_id=subject_id, month=month, taken_at=utcnow(), body=body)
        .on_conflict_do_nothing(index_elements=["kind", "subject_id", "month"]))


def take_snapshots(month: str, today: date) -> int:
    """Snapshot every RM's report, every team's dashboard and the products report of a
    closed month; those already taken are kept as they are. The caller commits."""
    period = month_of(month, today)
    if not period.closed:
        raise Invalid("Month not over", {"month": ["Only a month that has ended."]})
    taken = 0
    teams = list(db.session.scalars(select(Team).order_by(Team.id)))
    for team in teams:
        data = TeamFigures(_team_rms(team.id), period, today, monthly=True)
        _store("team", team.id, period.month, _team_body(team, data))
        for rm in data.rms:
            _store("rm", rm.id, period.month, _rm_body(rm, team, data))
        taken += 1 + len(data.rms)
    for rm in db.session.scalars(select(User).where(User.role == "rm", User.team_id.is_(None))):
        alone = TeamFigures([rm], period, today, monthly=True)
        _store("rm", rm.id, period.month, _rm_body(rm, None, alone))
        taken += 1
    system = Viewer(id=0, role="analyst", team_id=None)
    _store("products", BANK_WIDE, period.month, _products_body(system, period))
    return taken + 1


def has_snapshots(month: str) -> bool:
    return db.session.scalar(select(ReportSnapshot.id).where(
        ReportSnapshot.month == month).limit(1)) is not None


# --------------------------------------------------------------------------- the reports


def rm_report(viewer: Viewer, rm_id: int | None, month: str | None, today: date) -> dict:
    rm = _report_rm(viewer, rm_id)
    period = month_of(month, today)
    if period.closed and (stored := _snapshot("rm", rm.id, period.month)):
        return stored
    team = db.session.get(Team, rm.team_id) if rm.team_id else None
    return _rm_body(rm, team, TeamFigures(_team_rms(rm.team_id, rm), period, today,
                                          monthly=True))


def team_report(viewer: Viewer, month: str | None, today: date) -> dict:
    team = _report_team(viewer)
    period = month_of(month, today)
    if period.closed and (stored := _snapshot("team", team.id, period.month)):
        return stored
    return _team_body(team, TeamFigures(_team_rms(team.id), period, today, monthly=False))


def products_report(viewer: Viewer, month: str | None, today: date) -> dict:
    if viewer.role not in PRODUCT_VIEWERS:
        raise Forbidden("The products report is for analysts and leads")
    period = month_of(month, today)
    if period.closed and (stored := _snapshot("products", BANK_WIDE, period.month)):
        return stored
    return _products_body(viewer, period)


def table(body: dict, name: str | None) -> tuple[str, list[dict]]:
    """One table of a report by name (default: the first), for export."""
    tables = body["tables"]
    name = name or next(iter(tables))
    if name not in tables:
        raise Invalid("No such table", {"table": [f"One of: {', '.join(tables)}."]})
    return name, tables[name]
