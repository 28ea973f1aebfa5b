"""Benchmark: scoring models and offers against the demo bank's hidden truth.

Loads a synthetic bank and measures every trained model the way `flask models evaluate`
does: fitted on what was known at its latest labelled date, scored on that date, compared
with what happened after it. Beside each figure stands its oracle, the probability that
generated that very label, computed from the demo's own draws (backend/demo/oracle.py):
on the same customers nothing can rank or forecast better, so "÷ oracle" is the share of
the reachable quality a model reaches. docs/scoring.md explains each measure.

- per model: AUC, capture at 20%, mean predicted ÷ observed, Brier skill against the
  training base rate, a reliability table (quintiles), each beside the oracle's;
- attrition on customers who leave 3-6 months after the date (an early warning);
- offers: value captured at 3 and hit at 3 for the offers step, propensity alone,
  popularity and an oracle ranker, all under the same rules (eligible, consented, outside
  the decline cool-down, up to three products in one contact).

    python bench/bench_models.py [--database-url URL] [--customers N] [--seed N] [--json]
"""

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, make_app, timed  # noqa: E402

# Months of history: with 24, attrition's earlier training date (its label is known 272 days
# after it, the evaluation date 272 days before today) has days of history, not a year.
MONTHS = 36
TOP = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--months", type=int, default=MONTHS, help="Months of history.")
    parser.add_argument("--json", action="store_true", help="End with one JSON summary line.")
    args = parser.parse_args()

    from backend import demo
    from backend.demo.base import _Calendar
    from backend.demo.oracle import Truth
    from backend.scoring import features as feats
    from backend.scoring import service
    from backend.scoring.evaluation import holdout_metrics

    app, _ = make_app(args.database_url, "models")
    print(f"machine: {machine()}")
    summary = {"customers": args.customers, "months": args.months, "seed": args.seed,
               "models": {}}
    with app.app_context():
        with timed() as t:
            demo.load(customers=args.customers, months=args.months, seed=args.seed,
                      progress=False)
        print(f"demo bank: {args.customers} customers in {t['seconds']:.1f} s")
        today = feats.snapshot_date()
        truth = Truth(app.config["DEMO_TRUTH_PATH"], _Calendar(today, args.months).start,
                      today)
        with timed() as t:
            results = service.evaluate(as_of=today)
        print(f"fitted and scored {len(results)} models in {t['seconds']:.1f} s\n")
        print(f"{'model':<18} {'date':<10} {'n':>5} {'pos':>4} {'AUC':>6} {'oracle':>6} "
              f"{'÷':>5} {'cap@20':>6} {'oracle':>6} {'pred/obs':>8} {'oracle':>6} "
              f"{'Brier skill':>11} {'oracle':>6}  family (validation AUC of each)")
        propensity = {}
        for r in results:
            y, p, day = r["y"], r["p"], r["as_of"]
            if r["model"] == "attrition":
                f = feats.features(day).loc[y.index]
                seen = truth.day(day) - f["days_since_own_tx"].to_numpy()
                oracle = truth.attrition(y.index, day, 182, seen)
                attrition = (y, p, oracle, day)
            elif r["model"].startswith("propensity:"):
                oracle = truth.product_taken(r["model"].split(":")[1], y.index, day, 91)
                propensity[r["model"].split(":")[1]] = (y, p, oracle, day)
            else:
                oracle = None  # repayment: the demo draws no spell date to compute it from
            m = r["metrics"]
            o = holdout_metrics(y, oracle, m["base_rate"]) if oracle is not None else {}
            ratio = m["auc"] / o["auc"] if o.get("auc") and m["auc"] else None
            print(f"{r['model']:<18} {day:%Y-%m-%d} {m['n']:>5} {m['positives']:>4} "
                  f"{_f(m['auc'])} {_f(o.get('auc'))} {_f(ratio, 5, 2)} "
                  f"{_f(m['capture_20'])} {_f(o.get('capture_20'))} "
                  f"{_f(m['calibration_ratio'], 8, 2)} {_f(o.get('calibration_ratio'), 6, 2)} "
                  f"{_f(m['brier_skill'], 11, 3)} {_f(o.get('brier_skill'), 6, 3)}  "
                  f"{r['family']} ({_families(r['families'])})")
            summary["models"][r["model"]] = {
                "n": m["n"], "positives": m["positives"], "auc": m["auc"],
                "oracle_auc": o.get("auc"), "capture_20": m["capture_20"],
                "oracle_capture_20": o.get("capture_20"),
                "calibration_ratio": m["calibration_ratio"], "brier_skill": m["brier_skill"],
                "oracle_brier_skill": o.get("brier_skill"), "family": r["family"]}
            r["reliability"] = _reliability(y, p)

        print("\nreliability (quintiles of the score: mean predicted -> observed)")
        for r in results:
            pairs = "  ".join(f"{a:.3f}->{b:.3f}" for a, b in r["reliability"])
            print(f"{r['model']:<18} {pairs}")

        summary["attrition_auc_3_6_months"] = _early_warning(truth, *attrition)
        summary.update(_offers(truth, propensity))
    if args.json:
        print(json.dumps(summary))


def _families(auc: dict) -> str:
    return ", ".join(f"{name} {_f(value).strip()}" for name, value in auc.items())


def _f(value, width: int = 6, digits: int = 3) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def _reliability(y, p, bins: int = 5) -> list[tuple[float, float]]:
    from backend.scoring.evaluation import calibration_table

    return [(row["predicted"], row["observed"]) for row in calibration_table(y, p, bins)]


def _auc(y, p):
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(y, p)), 4) if 0 < sum(y) < len(y) else None


def _early_warning(truth, y, p, oracle, day) -> float | None:
    """AUC on the customers who leave 3-6 months after the date against those who stay:
    the warning an RM can still act on. The hazard alone and the oracle beside it."""
    import numpy as np

    t = truth.day(day)
    exit_day = truth.exit[[truth.index[c] for c in y.index]]
    later = (y.to_numpy() == 1) & (exit_day > t + 91) & (exit_day <= t + 182)
    keep = later | (y.to_numpy() == 0)
    yy = later[keep].astype(int).tolist()
    hazard = truth.hazard[[truth.index[c] for c in y.index]][keep]
    model, oracle_auc = _auc(yy, np.asarray(p)[keep]), _auc(yy, np.asarray(oracle)[keep])
    print(f"\nattrition, leaving 3-6 months after {day}: {sum(yy)} customers against "
          f"{len(yy) - sum(yy)} who stay: AUC model {_f(model).strip()}, hazard alone "
          f"{_f(_auc(yy, hazard)).strip()}, oracle {_f(oracle_auc).strip()}")
    return model


def _offers(truth, propensity: dict) -> dict:
    """Value captured at 3 and hit at 3 of four rankers under the same rules."""
    import pandas as pd
    from flask import current_app
    from sqlalchemy import insert, select

    from backend.customers.models import Customer
    from backend.extensions import db
    from backend.offers import ranking
    from backend.offers.models import Offer
    from backend.products.models import Product
    from backend.scoring import features as feats
    from backend.scoring.models import Score

    day = next(iter(propensity.values()))[3]
    products = {p.code: p for p in db.session.scalars(select(Product))}
    customers = {c.id: c for c in db.session.execute(
        select(Customer.id, Customer.segment, Customer.consent_marketing))}
    basis, declined = ranking.value_basis(), ranking.declined_recently(day)
    rows = []
    for code, (y, p, oracle, _) in propensity.items():
        product = products[code]
        for cid, took, score, true_p in zip(y.index, y.to_numpy(), p, oracle, strict=True):
            customer = customers[cid]
            value = ranking.value_if_sold(product, basis.get((customer.segment, product.id), 0))
            rows.append({"customer_id": cid, "code": code, "family": product.family,
                         "product_id": product.id, "took": int(took), "p": float(score),
                         "oracle": float(true_p), "value": value,
                         "allowed": bool(customer.consent_marketing)
                         and (cid, product.id) not in declined})
    frame = pd.DataFrame(rows)
    took = frame[frame.took == 1]
    buyers = took.customer_id.unique()
    worth = took.assign(v=took.value.clip(lower=0)).groupby("customer_id").v.sum().sum()
    allowed = frame[frame.allowed]

    def measure(offered: pd.DataFrame) -> tuple[float, float]:
        hit = offered[["customer_id", "code"]].merge(took[["customer_id", "code", "value"]],
                                                     on=["customer_id", "code"])
        hit_at3 = hit.customer_id.nunique() / len(buyers) if len(buyers) else 0.0
        captured = hit.value.clip(lower=0).sum() / worth if worth else 0.0
        return round(float(captured), 4), round(float(hit_at3), 4)

    def top(column: str) -> pd.DataFrame:
        ranked = allowed.sort_values(["customer_id", column, "product_id"],
                                     ascending=[True, False, True])
        return ranked.groupby("customer_id").head(TOP)

    year = pd.Series({code: int(feats.labels_product_taken(day - timedelta(days=365), code,
                                                           365).sum())
                      for code in propensity})
    results = {"propensity": measure(top("p")),
               "popularity": measure(top_by(allowed, year))}
    gain = float(current_app.config["OFFER_CUSTOMER_GAIN"])
    oracle_offers = []
    for cid, group in allowed.assign(expected_value=allowed.oracle * allowed.value,
                                     score=allowed.oracle).groupby("customer_id"):
        picked = ranking.choose(group.to_dict("records"),
                                ranking.contact_cost(customers[cid].segment),
                                customer_gain=gain)
        oracle_offers += [{"customer_id": cid, "code": o["code"]} for o in picked]
    results["oracle"] = measure(pd.DataFrame(oracle_offers, columns=["customer_id", "code"]))

    db.session.execute(insert(Score), [
        {"customer_id": int(r.customer_id), "model": f"propensity:{r.code}", "version": "bench",
         "as_of": day, "value": r.p, "band": "bench", "reasons": []}
        for r in frame.itertuples()])
    by_worth, chosen = {}, (ranking.SUBSTITUTE_WORTH, gain)
    others = {0.0, 0.5, 1.0} - {chosen[0]}
    for substitute, customer_gain in (*((w, gain) for w in sorted(others)),
                                      *((w, g) for w in (0.5, 1.0) for g in (0.0, gain / 2)),
                                      (chosen[0], gain * 1.5), chosen):
        with timed() as t:
            ranking.build(day, substitute_worth=substitute, customer_gain=customer_gain)
        offered = pd.DataFrame(db.session.execute(
            select(Offer.customer_id, Product.code).join(Product, Product.id == Offer.product_id)
            .where(Offer.state == "suggested")).all(), columns=["customer_id", "code"])
        by_worth[(substitute, customer_gain)] = (measure(offered), t["seconds"],
                                                 offered.customer_id.nunique())
    results["offers"] = by_worth[chosen][0]

    print(f"\noffers on {day}: {len(buyers)} customers took {len(took)} scored products "
          f"in the next 91 days; same rules for all (eligible, consented, outside the "
          f"cool-down, up to {TOP} in one contact)")
    print(f"{'ranker':<12} {'value captured@3':>16} {'hit@3':>6}")
    for name in ("offers", "propensity", "popularity", "oracle"):
        captured, hit = results[name]
        print(f"{name:<12} {captured:>16.3f} {hit:>6.3f}")
    print(f"offers step by the worth of a second product of one family (near-substitutes) "
          f"and the customer's gain from a product they want (chosen: {chosen}):")
    for (substitute, customer_gain), ((captured, hit), seconds, contacted) in by_worth.items():
        print(f"  worth {substitute:.1f}, gain {customer_gain:>5.0f}: value captured@3 "
              f"{captured:.3f}, hit@3 {hit:.3f}, {contacted} customers worth a contact, "
              f"{seconds:.2f} s")
    return {"value_captured_at3": {k: v[0] for k, v in results.items()},
            "hit_at3": {k: v[1] for k, v in results.items()}}


def top_by(allowed, popularity):
    """The TOP allowed products of each customer that most customers took the year before."""
    ranked = allowed.assign(popularity=allowed.code.map(popularity).fillna(0))
    ranked = ranked.sort_values(["customer_id", "popularity", "product_id"],
                                ascending=[True, False, True])
    return ranked.groupby("customer_id").head(TOP)


if __name__ == "__main__":
    main()
