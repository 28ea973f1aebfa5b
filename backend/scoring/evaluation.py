"""How a model is measured: ranking metrics, a calibration table and the backtest of any
extract (`flask models backtest`). The classifier every trained model uses is made here so
the backtest measures the same family."""

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEED = 7


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
