"""The models: rules (value, segment, tier, activity, preference) and trained ones.

Trained models are scikit-learn logistic regressions on standardised features: with a
few hundred to a few thousand customers they are stable, calibrated enough, and each
coefficient x feature gives the reasons shown to the RM. They learn on the bank's own
history with a time-based split: fit on earlier dates, measure AUC and calibration on the
latest labelled date, then refit on all dates for scoring.
"""

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import Integer, case, cast, func, select

from backend import texts
from backend.extensions import db
from backend.products.models import Package, Product
from backend.scoring import features as feats
from backend.scoring import reasons as rs
from backend.scoring.registry import (
    ScoringModel,
    empty_scores,
    latest_version,
    load_artifact,
    register,
    save_version,
)
from backend.visits.models import Interaction

SEED = 7

# --------------------------------------------------------------------------- helpers


def _frame(index, value, band, reasons) -> pd.DataFrame:
    out = pd.DataFrame({"value": np.asarray(value, dtype=float), "band": band,
                        "reasons": reasons}, index=index)
    out.index.name = "customer_id"
    return out


def _bands(values, edges, names) -> np.ndarray:
    """Band names from ascending edges: names[i] for edges[i-1] <= v < edges[i]."""
    return np.asarray(names, dtype=object)[np.digitize(values, edges)]


def make_classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=2000))


def calibration_table(y, p, bins: int = 10) -> list[dict]:
    """Mean predicted vs observed rate per bin of predicted probability (equal counts)."""
    frame = pd.DataFrame({"y": np.asarray(y, float), "p": np.asarray(p, float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), min(bins, len(frame)),
                           labels=False)
    table = frame.groupby("bin").agg(n=("y", "size"), predicted=("p", "mean"),
                                     observed=("y", "mean"))
    return [{"bin": int(b) + 1, "n": int(r.n), "predicted": round(float(r.predicted), 4),
             "observed": round(float(r.observed), 4)} for b, r in table.iterrows()]


def ranking_metrics(y, p) -> dict:
    """AUC, lift and capture in the top 10% and 20% by score, and the calibration table."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    order = np.argsort(-p, kind="stable")
    base = y.mean() if len(y) else 0.0
    out = {"n": int(len(y)), "positives": int(y.sum()), "base_rate": round(float(base), 4),
           "auc": round(float(roc_auc_score(y, p)), 4) if 0 < y.sum() < len(y) else None}
    for share in (0.1, 0.2):
        k = max(1, int(round(len(y) * share)))
        hits = y[order[:k]].sum()
        pct = int(share * 100)
        out[f"lift_{pct}"] = round(float(hits / k / base), 3) if base else None
        out[f"capture_{pct}"] = round(float(hits / y.sum()), 3) if y.sum() else None
    out["calibration"] = calibration_table(y, p) if len(y) else []
    return out


def _top_reasons(contrib: np.ndarray, x: np.ndarray, columns: list[str], k: int = 3):
    """The k features pushing each row's score up most (vectorised ranking)."""
    top = np.argsort(-contrib, axis=1)[:, :k]
    products = {code: texts.Pair(name, name_en) for code, name, name_en in db.session.execute(
        select(Product.code, Product.name, Product.name_en))}
    rows = []
    for i, idx in enumerate(top):
        rows.append([rs.feature(columns[j], "high" if x[i, j] > 0 else "low", x[i, j], products)
                     for j in idx if contrib[i, j] > 0])
    return rows


# --------------------------------------------------------------------------- rules


@register
class ValueModel(ScoringModel):
    """Twelve-month margin (revenue less cost to serve) and its value band."""

    name, kind = "value", "rules"
    parameters = {"edges": [0, 2000, 10000, 50000],
                  "bands": ["negative", "low", "medium", "high", "top"]}

    def score(self, f):
        margin = f["margin_12m"].to_numpy()
        band = _bands(margin, self.parameters["edges"], self.parameters["bands"])
        parts = zip(f["interest_margin_12m"], f["fees_12m"], f["cost_to_serve_12m"], strict=True)
        reasons = [[texts.reason("value.interest", i), texts.reason("value.fees", fee),
                    texts.reason("value.cost", c)] for i, fee, c in parts]
        return _frame(f.index, margin, band, reasons)


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
        return _frame(f.index, total, band, reasons)


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
        band = _bands(balance, edges, names)
        reasons = [[texts.reason("tier.balance", b)] for b in balance]
        return _frame(f.index, balance, band, reasons)


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
        band = _bands(pct, self.parameters["edges"], self.parameters["bands"])
        band = np.where(f["dormant"] > 0, "inactive", band)
        reasons = [[texts.reason("activity.rank", max(1.0, (1 - q) * 100)),
                    texts.reason("activity.transactions", n), texts.reason("activity.recency", d)]
                   for q, n, d in zip(pct, f["tx_count_91d"], f["days_since_own_tx"],
                                      strict=True)]
        return _frame(f.index, pct, band, reasons)


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
        return _frame(f.index, out["value"], band.to_numpy(), reasons)


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


# --------------------------------------------------------------------------- trained


NUMERIC = ["tenure_days", "products_held", "products_opened_12m", "deposit_avg_30d",
           "deposit_avg_91d", "deposit_avg_365d", "credit_avg_91d", "balance_trend",
           "tx_count_30d", "tx_count_91d", "tx_count_365d", "tx_amount_91d", "tx_pos_91d",
           "tx_mobile_91d", "tx_online_91d", "tx_branch_91d", "days_since_own_tx",
           "days_since_contact", "days_overdue", "limit_utilisation", "revenue_12m",
           "margin_12m", "contacts_12m", "contact_sales_12m", "contact_declines_12m",
           "complaints_12m", "reach_rate_12m", "annual_revenue", "employees", "dormant"]
LOGGED = {"deposit_avg_30d", "deposit_avg_91d", "deposit_avg_365d", "credit_avg_91d",
          "tx_amount_91d", "revenue_12m", "annual_revenue", "employees", "tenure_days",
          "tx_count_365d", "days_since_own_tx", "days_since_contact"}


def design_matrix(f: pd.DataFrame, columns: list[str] | None = None,
                  exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """Model inputs: signed-log money and counts, holdings flags, one-hot industry."""
    holds = [c for c in f.columns if c.startswith("holds_")]
    x = f[[c for c in NUMERIC + holds if c not in exclude]].astype(float).copy()
    for c in LOGGED & set(x.columns):
        x[c] = np.sign(x[c]) * np.log1p(np.abs(x[c]))
    x = x.join(pd.get_dummies(f["industry"], prefix="industry", dtype=float))
    if columns is not None:
        x = x.reindex(columns=columns, fill_value=0.0)
    return x


class TrainedModel(ScoringModel):
    """A logistic model on design_matrix(), trained over several labelled dates."""

    kind = "trained"
    horizon_days = 182
    step_days = 182
    periods = 2  # labelled dates: the latest validates, the earlier ones train
    exclude: tuple[str, ...] = ()
    bands = ([0.05, 0.15, 0.35], ["low", "medium", "high", "very_high"])

    def labels(self, as_of: date) -> pd.Series:
        raise NotImplementedError

    def population(self, f: pd.DataFrame) -> pd.Series:
        """Which customers this model scores (default: all)."""
        return pd.Series(True, index=f.index)

    def _dates(self, as_of: date) -> list[date]:
        first = as_of - timedelta(days=self.horizon_days)
        return [first - timedelta(days=self.step_days * k) for k in range(self.periods)][::-1]

    def _labelled(self, day: date):
        f = feats.features(day)
        y = self.labels(day)
        f = f[self.population(f)]
        common = f.index.intersection(y.index)
        return f.loc[common], y.loc[common]

    def train(self, as_of: date) -> dict:
        """Fit on the earlier dates, validate on the latest one, refit on all, store a version."""
        sets = [self._labelled(d) for d in self._dates(as_of)]
        columns = sorted(set().union(*(design_matrix(f, exclude=self.exclude).columns
                                       for f, _ in sets)))
        xs = [design_matrix(f, columns, self.exclude) for f, _ in sets]
        ys = [y.to_numpy() for _, y in sets]
        x_train, y_train = pd.concat(xs[:-1]), np.concatenate(ys[:-1])
        metrics = {"train_dates": [d.isoformat() for d in self._dates(as_of)[:-1]],
                   "valid_date": self._dates(as_of)[-1].isoformat(),
                   "train_n": int(len(y_train)), "train_positives": int(y_train.sum())}
        if 0 < y_train.sum() < len(y_train) and len(ys[-1]):
            model = make_classifier().fit(x_train, y_train)
            metrics["validation"] = ranking_metrics(ys[-1], model.predict_proba(xs[-1])[:, 1])
        x_all, y_all = pd.concat(xs), np.concatenate(ys)
        if 0 < y_all.sum() < len(y_all):
            artifact = {"estimator": make_classifier().fit(x_all, y_all), "columns": columns}
        else:  # nothing to learn from: the base rate, stated as such
            artifact = {"estimator": None, "columns": columns,
                        "base_rate": float(y_all.mean()) if len(y_all) else 0.0}
        metrics["auc"] = (metrics.get("validation") or {}).get("auc")
        version = f"{as_of:%Y%m%d}"
        save_version(name=self.name, version=version, kind=self.kind, metrics=metrics,
                     parameters={"horizon_days": self.horizon_days, "columns": columns,
                                 "estimator": "StandardScaler+LogisticRegression(C=0.3)"},
                     artifact=artifact)
        self._loaded = (version, artifact)
        return metrics

    def _artifact(self, as_of: date):
        loaded = getattr(self, "_loaded", None)
        row = latest_version(self.name)
        if row is not None and (loaded is None or loaded[0] != row.version):
            loaded = (row.version, load_artifact(row))
        if loaded is None:
            self.train(as_of)
            loaded = self._loaded
        self._loaded = loaded
        self.version = loaded[0]
        return loaded[1]

    def probability(self, f: pd.DataFrame, artifact=None):
        """Probabilities and reasons for every row of f (no population filter).

        `artifact` scores with a stored version other than the champion (a challenger).
        """
        art = artifact or self._artifact(f.attrs.get("as_of") or date.today())
        x = design_matrix(f, art["columns"], self.exclude)
        if art["estimator"] is None:
            return np.full(len(f), art["base_rate"]), [[] for _ in range(len(f))]
        scaler, lr = art["estimator"].steps[0][1], art["estimator"].steps[-1][1]
        z = scaler.transform(x)
        contrib = z * lr.coef_[0]
        return art["estimator"].predict_proba(x)[:, 1], _top_reasons(contrib, z, art["columns"])

    def score(self, f, artifact=None):
        f = f[self.population(f)]
        if f.empty:
            return empty_scores()
        p, reasons = self.probability(f, artifact)
        return _frame(f.index, p, _bands(p, *self.bands), reasons)


@register
class AttritionModel(TrainedModel):
    """Probability of closing or going dormant within 6 months."""

    name = "attrition"

    def population(self, f):
        return f["dormant"] == 0

    def labels(self, as_of):
        return feats.labels_attrition(as_of, self.horizon_days)


@register
class RepaymentModel(TrainedModel):
    """Probability a credit holder goes 30+ days overdue; only today's overdue days are on the
    books, so spells are dated backwards and the horizon is 3 months (see labels_repayment)."""

    name = "repayment"
    horizon_days, step_days, periods = 91, 91, 2

    def population(self, f):
        return f["credit_accounts"] > 0

    def labels(self, as_of):
        return feats.labels_repayment(as_of, self.horizon_days)


@register
class RiskModel(ScoringModel):
    """Early warning: rule points (overdue, utilisation, balance collapse) or'ed with a trained
    part that never sees days overdue, so more days overdue never lower the risk."""

    name, kind = "risk", "rules"
    parameters = {"overdue_edges": [1, 30, 60, 90], "overdue_p": [0.0, 0.1, 0.3, 0.6, 0.9],
                  "utilisation_p": 0.1, "balance_drop_p": 0.1,
                  "bands": ([0.1, 0.3, 0.6], ["low", "medium", "high", "critical"])}

    class Trained(RepaymentModel):
        name = "risk.trained"
        exclude = ("days_overdue",)

        def population(self, f):
            return pd.Series(True, index=f.index)

    def __init__(self):
        self.trained = self.Trained()

    def train(self, as_of):
        return self.trained.train(as_of)

    def score(self, f):
        p = self.parameters
        overdue = np.asarray(p["overdue_p"])[np.digitize(f["days_overdue"], p["overdue_edges"])]
        util = np.where(f["limit_utilisation"] >= 0.9, p["utilisation_p"], 0.0)
        drop = -f["balance_trend"].clip(upper=0).to_numpy()
        collapse = np.where(drop >= 0.5, p["balance_drop_p"], 0.0)
        model_p, _ = self.trained.probability(f)
        rule_p = 1 - (1 - overdue) * (1 - util) * (1 - collapse)
        value = 1 - (1 - rule_p) * (1 - model_p)
        self.version = f"1+{self.trained.version}"
        reasons = []
        for d, u, dr, m in zip(f["days_overdue"], f["limit_utilisation"], drop, model_p,
                               strict=True):
            r = [texts.reason("risk.overdue", d)] if d > 0 else []
            r += [texts.reason("risk.utilisation", u)] if u >= 0.9 else []
            r += [texts.reason("risk.balance_drop", dr)] if dr >= 0.5 else []
            reasons.append([*r, texts.reason("risk.model", m)][:3])
        return _frame(f.index, value, _bands(value, *p["bands"]), reasons)


class PropensityModel(TrainedModel):
    """Probability of taking a product within 3 months; eligible non-holders only."""

    horizon_days, step_days, periods = 91, 91, 4
    bands = ([0.02, 0.05, 0.15], ["low", "medium", "high", "very_high"])

    def __init__(self, code: str, eligibility: dict | None):
        self.code, self.eligibility = code, eligibility or {}
        self.name = f"propensity:{code}"

    def labels(self, as_of):
        return feats.labels_product_taken(as_of, self.code, self.horizon_days)

    def population(self, f):
        rules = self.eligibility
        ok = f.get(f"holds_{self.code}", pd.Series(0.0, index=f.index)) == 0
        zero = pd.Series(0.0, index=f.index)
        for code in rules.get("requires", []):
            ok &= f.get(f"holds_{code}", zero) > 0
        if rules.get("requires_any"):
            ok &= sum(f.get(f"holds_{c}", zero) for c in rules["requires_any"]) > 0
        if "min_tenure_months" in rules:
            ok &= f["tenure_days"] >= rules["min_tenure_months"] * 30.4
        if "max_days_overdue" in rules:
            ok &= f["days_overdue"] <= rules["max_days_overdue"]
        if "min_annual_revenue" in rules:
            ok &= f["annual_revenue"] >= rules["min_annual_revenue"]
        if "min_employees" in rules:
            ok &= f["employees"] >= rules["min_employees"]
        if "industries" in rules:
            ok &= f["industry"].isin(rules["industries"])
        if "segments" in rules:
            ok &= SegmentModel().score(f)["band"].isin(rules["segments"])
        return ok


def propensity_models() -> list[PropensityModel]:
    """One propensity model per own-book product other than the current account."""
    rows = db.session.execute(select(Product.code, Product.eligibility)
                              .where(Product.active.is_(True),
                                     Product.line.in_(("sme", "partner")), Product.code != "CUR")
                              .order_by(Product.code)).all()
    cache = _PROPENSITY_CACHE
    out = []
    for code, eligibility in rows:
        model = cache.get(code)
        if model is None or model.eligibility != (eligibility or {}):
            model = cache[code] = PropensityModel(code, eligibility)
        out.append(model)
    return out


_PROPENSITY_CACHE: dict[str, PropensityModel] = {}


def backtest(frame: pd.DataFrame, target: str, id_column: str | None = None,
             seed: int = SEED) -> dict:
    """Train the propensity model family on any extract: random 70/30 split, ranking metrics."""
    frame = frame.dropna(subset=[target])
    if id_column:
        frame = frame.set_index(id_column)
    y = frame.pop(target).astype(float).to_numpy()
    numeric = frame.select_dtypes(include="number").astype(float)
    numeric = numeric.fillna(numeric.median()).fillna(0.0)
    categorical = frame.select_dtypes(exclude="number").astype(str)
    x = numeric.join(pd.get_dummies(categorical, dtype=float)) if len(categorical.columns) \
        else numeric
    rng = np.random.default_rng(seed)
    test = rng.random(len(x)) < 0.3
    model = make_classifier().fit(x[~test], y[~test])
    metrics = ranking_metrics(y[test], model.predict_proba(x[test])[:, 1])
    metrics.update(features=int(x.shape[1]), train_n=int((~test).sum()))
    return metrics
