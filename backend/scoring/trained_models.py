"""The trained models: attrition, repayment, early risk and one propensity model per product.

They are scikit-learn logistic regressions on standardised features: with a few hundred to a
few thousand customers they are stable, calibrated enough, and each coefficient x feature
gives the reasons shown to the RM. They learn on the bank's own history with a time-based
split: fit on earlier dates, measure AUC and calibration on the latest labelled date, then
refit on all dates for scoring.
"""

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sqlalchemy import select

from backend import texts
from backend.extensions import db
from backend.products.models import Product
from backend.scoring import features as feats
from backend.scoring import reasons as rs
from backend.scoring.evaluation import FAMILIES, make_classifier, ranking_metrics
from backend.scoring.registry import (
    ScoringModel,
    bands,
    empty_scores,
    latest_version,
    load_artifact,
    register,
    save_version,
    score_frame,
)
from backend.scoring.rule_models import SegmentModel

MIN_CALIBRATION_POSITIVES = 5
FAMILY_MARGIN = 0.02  # validation AUC another family must gain over the logistic one


def fit_calibration(raw: np.ndarray, y: np.ndarray) -> dict | None:
    """Platt scaling fitted on the latest labelled date, as predicted by a model that never
    saw it: observed rate = sigmoid(a x logit(raw) + b). The latest date is the nearest to
    the period scored, so the mapping also corrects a shift of the base rate since the
    earlier dates. Two parameters, not isotonic steps: a product has tens of positives per
    date, too few for a step function. None when the date has too few of either class, or
    when the fit would reverse the ranking."""
    y = np.asarray(y, dtype=float)
    if min(y.sum(), len(y) - y.sum()) < MIN_CALIBRATION_POSITIVES:
        return None
    fit = LogisticRegression(C=1e4, max_iter=1000).fit(_logit(raw)[:, None], y)
    a, b = float(fit.coef_[0][0]), float(fit.intercept_[0])
    return {"a": a, "b": b} if a > 0 else None


def calibrated(raw: np.ndarray, calibration: dict | None) -> np.ndarray:
    if not calibration:
        return raw
    return 1 / (1 + np.exp(-(calibration["a"] * _logit(raw) + calibration["b"])))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _top_reasons(contrib: np.ndarray, x: np.ndarray, columns: list[str], down: np.ndarray,
                 k: int = 3):
    """The k features that moved each row's score most in its own direction: up, where the
    score is raised above the average customer's; down, where it is lowered or sits in the
    lowest band. So a low risk is never explained by a risk-raising factor."""
    signed = np.where(down[:, None], contrib, -contrib)  # most negative first, when down
    top = np.argsort(signed, axis=1, kind="stable")[:, :k]
    products = {code: texts.Pair(name, name_en) for code, name, name_en in db.session.execute(
        select(Product.code, Product.name, Product.name_en))}
    rows = []
    for i, idx in enumerate(top):
        push = "down" if down[i] else "up"  # kept with the reason: offers show only raisers
        rows.append([{**rs.feature(columns[j], "high" if x[i, j] > 0 else "low", x[i, j],
                                   products), "push": push}
                     for j in idx if signed[i, j] < 0])
    return rows


def _occlusion(estimator, z: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Each feature's push on each row's score (log-odds) for a model without weights: the
    score less the score with that feature at the average customer's value (z = 0)."""
    base = _logit(raw)
    contrib = np.empty_like(z)
    for j in range(z.shape[1]):
        average = z.copy()
        average[:, j] = 0.0
        contrib[:, j] = base - _logit(estimator.predict_proba(average)[:, 1])
    return contrib


NUMERIC = ["tenure_days", "products_held", "products_opened_12m", "deposit_avg_30d",
           "deposit_avg_91d", "deposit_avg_365d", "credit_avg_91d", "balance_trend",
           "tx_count_30d", "tx_count_91d", "tx_count_365d", "tx_amount_91d", "tx_pos_91d",
           "tx_mobile_91d", "tx_online_91d", "tx_branch_91d", "days_since_own_tx",
           "days_since_contact", "days_overdue", "limit_utilisation", "revenue_12m",
           "margin_12m", "contacts_12m", "contact_declines_12m",
           "complaints_12m", "reach_rate_12m", "annual_revenue", "employees", "dormant",
           "tx_trend", "mobile_share"]
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
    settle_days = 0  # how long after the horizon the label becomes known
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
        first = as_of - timedelta(days=self.horizon_days + self.settle_days)
        return [first - timedelta(days=self.step_days * k) for k in range(self.periods)][::-1]

    def _labelled(self, day: date):
        f = feats.features(day)
        y = self.labels(day)
        f = f[self.population(f)]
        common = f.index.intersection(y.index)
        return f.loc[common], y.loc[common]

    def latest_labelled_date(self, as_of: date) -> date:
        """The latest date whose label is known on as_of."""
        return self._dates(as_of)[-1]

    def fit(self, as_of: date) -> tuple[dict, dict]:
        """Fit on the earlier labelled dates, validate and calibrate on the latest one, refit
        on all: the artifact and its metrics, nothing stored."""
        dates = self._dates(as_of)
        sets = [self._labelled(d) for d in dates]
        columns = sorted(set().union(*(design_matrix(f, exclude=self.exclude).columns
                                       for f, _ in sets)))
        xs = [design_matrix(f, columns, self.exclude) for f, _ in sets]
        ys = [y.to_numpy() for _, y in sets]
        x_train, y_train = pd.concat(xs[:-1]), np.concatenate(ys[:-1])
        metrics = {"train_dates": [d.isoformat() for d in dates[:-1]],
                   "valid_date": dates[-1].isoformat(),
                   "train_n": int(len(y_train)), "train_positives": int(y_train.sum()),
                   # dates whose 12-month windows reach before the books begin
                   "short_history_dates": [d.isoformat() for d, (f, _) in zip(dates, sets,
                                                                             strict=True)
                                           if f.attrs.get("history_days", 365) < 365]}
        calibration, family = None, "logistic"
        if 0 < y_train.sum() < len(y_train) and len(ys[-1]):
            # each family learns from the earlier dates and is judged on the latest one;
            # another family replaces the logistic one only when it ranks clearly better
            # (tens of positives move an AUC by a few points; its reasons are its weights)
            raws = {name: make_classifier(name).fit(x_train, y_train).predict_proba(xs[-1])[:, 1]
                    for name in FAMILIES}
            auc = metrics["families"] = {name: ranking_metrics(ys[-1], raw)["auc"] or 0.0
                                         for name, raw in raws.items()}
            family = max(FAMILIES, key=lambda name: auc[name] - (
                0 if name == "logistic" else FAMILY_MARGIN))
            metrics["validation"] = ranking_metrics(ys[-1], raws[family])
            calibration = fit_calibration(raws[family], ys[-1])
            if calibration:
                metrics["validation_calibrated"] = ranking_metrics(
                    ys[-1], calibrated(raws[family], calibration))
        metrics["family"] = family
        x_all, y_all = pd.concat(xs), np.concatenate(ys)
        if 0 < y_all.sum() < len(y_all):
            artifact = {"estimator": make_classifier(family).fit(x_all, y_all),
                        "columns": columns, "calibration": calibration}
        else:  # nothing to learn from: the base rate, stated as such
            artifact = {"estimator": None, "columns": columns,
                        "base_rate": float(y_all.mean()) if len(y_all) else 0.0}
        metrics["auc"] = (metrics.get("validation") or {}).get("auc")
        metrics["base_rate"] = float(y_all.mean()) if len(y_all) else 0.0
        return artifact, metrics

    def train(self, as_of: date) -> dict:
        """Fit (see fit) and store the result as a new version, the champion from now on."""
        artifact, metrics = self.fit(as_of)
        version = f"{as_of:%Y%m%d}"
        save_version(name=self.name, version=version, kind=self.kind, metrics=metrics,
                     parameters={"horizon_days": self.horizon_days, "columns": artifact["columns"],
                                 "family": metrics["family"]},
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
        scaler, estimator = art["estimator"].steps[0][1], art["estimator"].steps[-1][1]
        z = scaler.transform(x)
        raw = estimator.predict_proba(z)[:, 1]
        if isinstance(estimator, LogisticRegression):
            contrib = z * estimator.coef_[0]
        else:
            contrib = _occlusion(estimator, z, raw)
        p = calibrated(raw, art.get("calibration"))
        lowest = bands(p, *self.bands) == self.bands[1][0]
        down = lowest | (contrib.sum(axis=1) < 0)  # below the average customer's score
        return p, _top_reasons(contrib, z, art["columns"], down)

    def score(self, f, artifact=None):
        f = f[self.population(f)]
        if f.empty:
            return empty_scores()
        p, reasons = self.probability(f, artifact)
        return score_frame(f.index, p, bands(p, *self.bands), reasons)


@register
class AttritionModel(TrainedModel):
    """Probability that a customer active today leaves (closes, or goes silent for good)
    within 6 months; see labels_attrition for the population and the label."""

    name = "attrition"
    settle_days = feats.DORMANT_DAYS

    def population(self, f):
        return f["days_since_own_tx"] < feats.SILENT_DAYS

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
        return score_frame(f.index, value, bands(value, *p["bands"]), reasons)


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
