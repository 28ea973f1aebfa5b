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


def make_classifier(family: str = "logistic"):
    """A scaler, then the family's estimator (the scaler's z-scores also say whether a
    feature is high or low in a reason)."""
    if family == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(C=0.3, max_iter=2000))
    from sklearn.ensemble import HistGradientBoostingClassifier

    return make_pipeline(StandardScaler(), HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, l2_regularization=1.0, random_state=SEED))


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


def holdout_metrics(y, p, base_rate: float) -> dict:
    """A model measured on a later window than it learned from: ranking_metrics, plus mean
    predicted over observed (1.0: calibrated) and the Brier skill, the share of the Brier
    score of a constant forecast at the training base rate that the model removes."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    out = ranking_metrics(y, p)
    constant = float(np.mean((base_rate - y) ** 2)) if len(y) else 0.0
    out["calibration_ratio"] = round(float(p.mean() / y.mean()), 3) if y.sum() else None
    out["brier_skill"] = round(1 - float(np.mean((p - y) ** 2)) / constant, 4) \
        if constant else None
    return out


FAMILIES = ("logistic", "gradient boosting")


def _family(name: str, numeric: list[str], categorical: list[str], seed: int):
    """One model family with its own preprocessing, fitted inside each fold: medians, scales
    and categories come from the training part only."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    steps = [("numeric", make_pipeline(SimpleImputer(strategy="median",
                                                     keep_empty_features=True),
                                       StandardScaler()), numeric)]
    if categorical:
        steps.append(("categorical", OneHotEncoder(handle_unknown="ignore",
                                                   sparse_output=False), categorical))
    prepare = ColumnTransformer(steps)
    return make_pipeline(prepare, make_classifier(name).steps[-1][1].set_params(
        **({"random_state": seed} if name != "logistic" else {})))


def backtest(frame: pd.DataFrame, target: str, id_column: str | None = None, *,
             folds: int = 5, repeats: int = 2, seed: int = SEED) -> dict:
    """Repeated stratified cross-validation of each model family on any extract: per family
    the mean and spread over folds of AUC, capture at 20%, calibration (mean predicted over
    observed) and the Brier score, and the family with the higher mean AUC."""
    from sklearn.metrics import brier_score_loss
    from sklearn.model_selection import RepeatedStratifiedKFold

    frame = frame.dropna(subset=[target])
    if id_column:
        frame = frame.set_index(id_column)
    y = frame.pop(target).astype(float).to_numpy()
    numeric = list(frame.select_dtypes(include="number").columns)
    categorical = [c for c in frame.columns if c not in numeric]
    x = frame.astype({c: str for c in categorical})
    splits = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    families = {}
    for name in FAMILIES:
        per_fold, predicted = [], np.zeros((repeats, len(y)))
        for i, (train, test) in enumerate(splits.split(x, y)):
            model = _family(name, numeric, categorical, seed).fit(x.iloc[train], y[train])
            p = model.predict_proba(x.iloc[test])[:, 1]
            predicted[i // folds, test] = p
            m = ranking_metrics(y[test], p)
            per_fold.append({"auc": m["auc"], "capture_20": m["capture_20"],
                             "calibration_ratio": float(p.mean() / y[test].mean())
                             if y[test].mean() else None,
                             "brier": float(brier_score_loss(y[test], p))})
        families[name] = {key: _spread([f[key] for f in per_fold])
                          for key in ("auc", "capture_20", "calibration_ratio", "brier")}
        families[name]["calibration"] = calibration_table(y, predicted[0])
    chosen = max(FAMILIES, key=lambda n: families[n]["auc"]["mean"] or 0.0)
    return {"n": int(len(y)), "positives": int(y.sum()),
            "base_rate": round(float(y.mean()), 4) if len(y) else 0.0,
            "numeric": len(numeric), "categorical": len(categorical), "folds": folds,
            "repeats": repeats, "families": families, "chosen": chosen}


def _spread(values: list) -> dict:
    found = np.asarray([v for v in values if v is not None], float)
    if not len(found):
        return {"mean": None, "sd": None}
    return {"mean": round(float(found.mean()), 4),
            "sd": round(float(found.std(ddof=1)) if len(found) > 1 else 0.0, 4)}
