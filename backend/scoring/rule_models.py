"""The rule models: value, segment, tier, activity and the preferred channel and hour.
Each registers itself as it loads."""

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Integer, case, cast, func, select

from backend import texts
from backend.extensions import db
from backend.products.models import Package
from backend.scoring import features as feats
from backend.scoring.registry import (
    ScoringModel,
    bands,
    register,
    score_frame,
)
from backend.visits.models import Interaction


@register
class ValueModel(ScoringModel):
    """Twelve-month margin (revenue less cost to serve) and its value band."""

    name, kind = "value", "rules"
    parameters = {"edges": [0, 2000, 10000, 50000],
                  "bands": ["negative", "low", "medium", "high", "top"]}

    def score(self, f):
        margin = f["margin_12m"].to_numpy()
        band = bands(margin, self.parameters["edges"], self.parameters["bands"])
        parts = zip(f["interest_margin_12m"], f["fees_12m"], f["cost_to_serve_12m"], strict=True)
        reasons = [[texts.reason("value.interest", i), texts.reason("value.fees", fee),
                    texts.reason("value.cost", c)] for i, fee, c in parts]
        return score_frame(f.index, margin, band, reasons)


def _relationship_balance(f) -> pd.Series:
    return f["deposit_avg_91d"] + 0.3 * f["credit_avg_91d"]


@register
class SegmentModel(ScoringModel):
    """Service segment from size (revenue, staff) and value (relationship balance)."""

    name, kind = "segment", "rules"
    parameters = {"revenue_edges": [2e6, 1.5e7, 8e7], "employee_edges": [10, 50, 200],
                  "value_edges": [3e4, 2.5e5, 1.5e6],
                  "segments": {"large": 5, "medium": 3, "small": 2}}

    def score(self, f):
        p = self.parameters
        size = np.maximum(np.digitize(f["annual_revenue"], p["revenue_edges"]),
                          np.digitize(f["employees"], p["employee_edges"]))
        value = np.digitize(_relationship_balance(f), p["value_edges"])
        total = size + value
        s = p["segments"]
        band = np.where(total >= s["large"], "large", np.where(
            total >= s["medium"], "medium", np.where(total >= s["small"], "small", "micro")))
        reasons = [[texts.reason("segment.size", a), texts.reason("segment.value", b)]
                   for a, b in zip(size, value, strict=True)]
        return score_frame(f.index, total, band, reasons)


@register
class TierModel(ScoringModel):
    """Package tier: the highest tier whose minimum the 3-month linked balance meets."""

    name, kind = "tier", "rules"
    parameters = {"source": "packages.min_balance; advanced from its top fee step"}

    def _thresholds(self) -> list[tuple[str, float]]:
        rows = db.session.execute(select(Package.tier, Package.min_balance, Package.fee_rules))
        out = []
        for tier, minimum, rules in rows:
            # Advanced's fee ladder ends at the balance where it is free (300,000).
            top = max((r["below"] for r in rules or []), default=float(minimum))
            out.append((tier, float(top if tier == "advanced" else minimum)))
        return sorted(out, key=lambda t: t[1]) or [("basic", 0.0)]

    def score(self, f):
        balance = f["deposit_avg_91d"].to_numpy()
        thresholds = self._thresholds()
        names = [t for t, _ in thresholds]
        edges = [v for _, v in thresholds[1:]]
        band = bands(balance, edges, names)
        reasons = [[texts.reason("tier.balance", b)] for b in balance]
        return score_frame(f.index, balance, band, reasons)


@register
class ActivityModel(ScoringModel):
    """Activity: percentile of own transactions and recency within the customer's segment."""

    name, kind = "activity", "rules"
    parameters = {"edges": [0.25, 0.5, 0.75], "bands": ["low", "medium", "high", "top"]}

    def score(self, f):
        index = (np.log1p(f["tx_count_91d"]) + 0.5 * np.log1p(f["tx_amount_91d"] / 1000)
                 - np.log1p(f["days_since_own_tx"]))
        segment = SegmentModel().score(f)["band"]
        pct = index.groupby(segment).rank(pct=True).fillna(0.0)
        band = bands(pct, self.parameters["edges"], self.parameters["bands"])
        band = np.where(f["dormant"] > 0, "inactive", band)
        reasons = [[texts.reason("activity.rank", max(1.0, (1 - q) * 100)),
                    texts.reason("activity.transactions", n), texts.reason("activity.recency", d)]
                   for q, n, d in zip(pct, f["tx_count_91d"], f["days_since_own_tx"],
                                      strict=True)]
        return score_frame(f.index, pct, band, reasons)


@register
class PreferenceModel(ScoringModel):
    """Best contact channel and hour, from the outcomes of past contacts (band: channel@hour)."""

    name, kind = "preference", "rules"
    parameters = {"prior": 1.0, "default_channel": "call", "default_hour": 10}

    def score(self, f):
        stats = preference_stats(f.attrs.get("as_of") or date.today())
        p = self.parameters
        stats = stats[stats.index.get_level_values(0).isin(f.index)]
        rate = (stats["reached"] + p["prior"]) / (stats["attempts"] + 2 * p["prior"])
        best = rate.groupby(level=0).idxmax()
        channel = pd.Series([k[1] for k in best], index=best.index)
        hour = pd.Series([k[2] for k in best], index=best.index)
        value = rate.groupby(level=0).max()
        out = pd.DataFrame(index=f.index)
        out["channel"] = channel.reindex(f.index).fillna(p["default_channel"])
        out["hour"] = hour.reindex(f.index).fillna(p["default_hour"]).astype(int)
        out["value"] = value.reindex(f.index).fillna(0.5)
        known = out.index.isin(best.index)
        band = out["channel"] + "@" + out["hour"].map("{:02d}".format)
        reasons = [[texts.reason("preference.channel", v, channel=texts.word("channel", c)),
                    texts.reason("preference.hour", h)] if k
                   else [texts.reason("preference.default", 0)]
                   for c, h, v, k in zip(out["channel"], out["hour"], out["value"], known,
                                         strict=True)]
        return score_frame(f.index, out["value"], band.to_numpy(), reasons)


def preference_stats(as_of: date) -> pd.DataFrame:
    """Attempts and reached contacts by customer, channel and local hour (one grouped query)."""
    i = Interaction
    end = feats.day_end(as_of)
    # started_at is UTC; the hour the RM cares about is the bank's local one
    local_midnight = datetime.combine(as_of + timedelta(days=1), datetime.min.time())
    offset_h = round((local_midnight - end).total_seconds() / 3600)
    hour = (func.extract("hour", i.started_at) if db.engine.dialect.name == "postgresql"
            else cast(func.strftime("%H", i.started_at), Integer))
    statement = (select(i.customer_id, i.channel, hour.label("hour"),
                        func.count().label("attempts"),
                        func.sum(case((i.outcome != "not_reached", 1), else_=0)).label("reached"))
                 .where(i.started_at <= end, i.started_at > end - timedelta(days=730))
                 .group_by(i.customer_id, i.channel, hour))
    rows = db.session.connection().execute(statement).all()
    frame = pd.DataFrame(rows, columns=["customer_id", "channel", "hour", "attempts", "reached"])
    frame["hour"] = (frame["hour"].astype(int) + offset_h) % 24
    frame = frame.groupby(["customer_id", "channel", "hour"]).sum()
    return frame.astype(float)
