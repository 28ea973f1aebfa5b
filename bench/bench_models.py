"""Benchmark: scoring-model quality against the demo bank's hidden truth.

Loads a synthetic bank (its truth CSV holds each customer's true attrition hazard and
product propensities), trains the models on history up to a past date and scores that
date, then compares with what happened after it (from the books):

- AUC of attrition (6 months) and of each propensity model (3 months), each divided by
  the oracle AUC: the truth's probabilities ranked on the same customers and labels.
  The floor is the oracle; a ratio of 1.0 means the model ranks as well as the truth.
- next-product hit rate at 3 (propensity alone, and the offers step's ranked offers):
  share of customers who took a product whose top 3
  propensities contained it, against a popularity baseline (the 3 products taken most
  in the year before, not already held).

    python bench/bench_models.py [--database-url URL] [--customers N] [--seed N]
"""

import argparse
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, make_app, timed  # noqa: E402


def auc(y, p):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y, p) if 0 < sum(y) < len(y) else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    import numpy as np
    import pandas as pd
    from flask import current_app
    from sqlalchemy import select

    from backend import demo
    from backend.customers.models import Customer
    from backend.extensions import db
    from backend.scoring import features as feats
    from backend.scoring import trained_models
    from backend.scoring.registry import MODELS

    app, _ = make_app(args.database_url, "models")
    print(f"machine: {machine()}")
    with app.app_context():
        with timed() as t:
            demo.load(customers=args.customers, months=24, seed=args.seed, progress=False)
        print(f"demo bank: {args.customers} customers in {t['seconds']:.1f} s")
        truth = pd.read_csv(current_app.config["DEMO_TRUTH_PATH"]).set_index("external_id")
        ids = dict(db.session.execute(select(Customer.id, Customer.external_id)).all())
        today = feats.snapshot_date()
        with timed() as t:
            frame = feats.features(today)
        print(f"features for {len(frame)} customers: {t['seconds']:.2f} s")

        print("\nmodel                  n   pos   AUC   oracle  ratio  pred/obs  Brier skill")
        with feats.cached():
            # attrition: scored half a year ago, trained only on what was known then
            as_of = today - timedelta(days=182)
            model = MODELS["attrition"]
            trained = model.train(as_of)
            f = feats.features(as_of)
            f = f[model.population(f)]
            y = feats.labels_attrition(as_of).reindex(f.index).dropna()
            p, _ = model.probability(f.loc[y.index])
            oracle = truth.loc[[ids[i] for i in y.index], "attrition_hazard_12m"].to_numpy()
            _row("attrition", y, p, oracle, _base_rate(trained))

            as_of = today - timedelta(days=91)
            f = feats.features(as_of)
            taken, top_model = {}, {}
            for model in trained_models.propensity_models():
                trained = model.train(as_of)
                scope = f[model.population(f)]
                y = feats.labels_product_taken(as_of, model.code).reindex(scope.index).dropna()
                taken[model.code] = y
                if not len(y):
                    continue
                p, _ = model.probability(scope.loc[y.index])
                top_model[model.code] = pd.Series(p, index=y.index)
                column = f"p_{model.code}"
                if column in truth:
                    oracle = truth.loc[[ids[i] for i in y.index], column].to_numpy()
                    _row(model.name, y, p, oracle, _base_rate(trained))

        # next product: top 3 of the propensity scores vs the 3 most popular products
        scores = pd.DataFrame(top_model).reindex(f.index)  # NaN: held or not eligible
        took = pd.DataFrame({c: s for c, s in taken.items()}).reindex(f.index).fillna(0)
        buyers = took.index[took.sum(axis=1) > 0]
        ranks = scores.loc[buyers].rank(axis=1, ascending=False, method="first")
        hit_model = ((ranks <= 3) & (took.loc[buyers, ranks.columns] > 0)).any(axis=1).mean()
        before = feats.features(as_of - timedelta(days=365))
        popular = (before[[f"holds_{c}" for c in scores.columns]].sum()
                   .sort_values(ascending=False).index.str[6:].tolist())
        eligible = scores.loc[buyers].notna()
        order = {c: k for k, c in enumerate(popular)}
        pop_rank = eligible.apply(lambda col: np.where(col, order[col.name], np.nan))
        pop_rank = pop_rank.rank(axis=1, method="first")
        hit_pop = ((pop_rank <= 3) & (took.loc[buyers, pop_rank.columns] > 0)).any(axis=1).mean()
        print(f"\nnext product hit@3 on {len(buyers)} customers who took one: model "
              f"{hit_model:.3f}, popularity {hit_pop:.3f}, ratio {hit_model / hit_pop:.2f}"
              if hit_pop else f"\nnext product hit@3: model {hit_model:.3f}, popularity 0")

        # the offers step's ranked offers (expected value, diversity, consent, cool-down)
        from sqlalchemy import insert

        from backend.offers import ranking
        from backend.offers.models import Offer
        from backend.products.models import Product
        from backend.scoring.models import Score

        db.session.execute(insert(Score), [
            {"customer_id": int(cid), "model": f"propensity:{code}", "version": "bench",
             "as_of": as_of, "value": float(v), "band": "bench", "reasons": []}
            for code, series in top_model.items() for cid, v in series.items()])
        with timed() as t:
            ranking.build(as_of)
        offered = pd.DataFrame(db.session.execute(
            select(Offer.customer_id, Product.code).join(Product, Product.id == Offer.product_id)
            .where(Offer.state == "suggested")).all(), columns=["customer_id", "code"])
        hit_offers = float(pd.Series([
            any(took.at[cid, code] > 0 for code in offered.loc[offered.customer_id == cid, "code"]
                if code in took.columns) for cid in buyers]).mean())
        print(f"ranked offers (offers step, {t['seconds']:.2f} s) hit@3 {hit_offers:.3f}, "
              f"popularity {hit_pop:.3f}, ratio {hit_offers / hit_pop:.2f}" if hit_pop else
              f"ranked offers hit@3 {hit_offers:.3f}")


def _row(name, y, p, oracle, base_rate):
    """AUC beside the truth's, and calibration: mean predicted over observed, and the Brier
    skill against the rate the model's training labels had (a constant forecast)."""
    import numpy as np

    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    a, o = auc(y.tolist(), p), auc(y.tolist(), oracle)
    ratio = p.mean() / y.mean() if y.mean() else float("nan")
    brier, constant = np.mean((p - y) ** 2), np.mean((base_rate - y) ** 2)
    skill = 1 - brier / constant if constant else float("nan")
    print(f"{name:20} {len(y):5} {int(y.sum()):4} {a:6.3f} {o:6.3f} {a / o:6.2f} "
          f"{ratio:9.2f} {skill:8.1%}")


def _base_rate(metrics: dict) -> float:
    """The positive rate of the labels a model was trained on (all its labelled dates)."""
    n = metrics["train_n"] + metrics.get("validation", {}).get("n", 0)
    positives = metrics["train_positives"] + metrics.get("validation", {}).get("positives", 0)
    return positives / n if n else 0.0


if __name__ == "__main__":
    main()
