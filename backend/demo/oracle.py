"""The probability that generated each label of the demo bank: the yardstick no model can
beat on the same information (docs/scoring.md, bench/bench_models.py).

Computed from the demo's own draws (backend/demo/draws.py) and its hidden truth file, for
the labels the scoring models learn (backend/scoring/features.py).
"""

from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select

from backend.customers.models import Account, Customer
from backend.demo import draws
from backend.demo.base import BIG
from backend.extensions import db
from backend.products.models import Product

LOANS = ("INST", "WCL", "UCC")  # credit guarantee insurance is drawn only beside a loan


class Truth:
    """The demo's hidden truth per customer, on the demo's day axis (day 0: its first day)."""

    def __init__(self, truth_csv: str, start: date, today: date):
        self.start, self.D = start, (today - start).days
        truth = pd.read_csv(truth_csv).set_index("external_id")
        rows = db.session.execute(select(Customer.id, Customer.external_id,
                                         Customer.onboarded_on, Customer.closed_on)).all()
        loans = set(db.session.scalars(
            select(Account.customer_id).join(Product, Product.id == Account.product_id)
            .where(Product.code.in_(LOANS))))
        frame = pd.DataFrame(rows, columns=["customer_id", "external_id", "onboarded_on",
                                            "closed_on"]).set_index("customer_id")
        frame = frame.join(truth, on="external_id")
        self.onboard = np.array([self.day(d) for d in frame["onboarded_on"]])
        self.close = np.array([BIG if d is None or pd.isna(d) else self.day(d)
                               for d in frame["closed_on"]])
        self.exit = np.array([BIG if pd.isna(d) else self.day(date.fromisoformat(d))
                              for d in frame["exit_on"]])
        self.hazard = frame["attrition_hazard_12m"].to_numpy()
        self.has_loan = frame.index.isin(list(loans))
        self.frame = frame
        self.index = {cid: i for i, cid in enumerate(frame.index)}

    def day(self, d: date) -> int:
        return (d - self.start).days

    def _rows(self, customers) -> np.ndarray:
        return np.array([self.index[c] for c in customers], dtype=np.int64)

    def attrition(self, customers, as_of: date, horizon_days: int,
                  last_seen: np.ndarray) -> np.ndarray:
        """P(the exit day falls within the horizon | it is after the day last seen)."""
        r, t = self._rows(customers), self.day(as_of)
        seen = np.asarray(last_seen, dtype=float)
        hazard, onboard = self.hazard[r], self.onboard[r]
        gone = draws.exit_probability(hazard, onboard, self.D, -BIG, seen)
        inside = draws.exit_probability(hazard, onboard, self.D, seen, t + horizon_days)
        return inside / np.maximum(1 - gone, 1e-12)

    def product_taken(self, code: str, customers, as_of: date, horizon_days: int) -> np.ndarray:
        """P(an account of `code` is opened within the horizon | none is held on as_of)."""
        r, t = self._rows(customers), self.day(as_of)
        onboard, exit_day, close = self.onboard[r], self.exit[r], self.close[r]
        tenure_years = (self.D - onboard) / 365.25
        held = self.frame[f"p_{code}"].to_numpy()[r] * draws.exposure(tenure_years)
        if code == "CGI":
            held = held * self.has_loan[r]
        if code in draws.TERM_ACCOUNTS:
            kinds = draws.term_open_probability(code, onboard, exit_day, close, self.D,
                                                t, t + horizon_days)
        else:
            gap = draws.OPEN_GAP[code]
            opened_by = draws.open_day_probability(onboard, exit_day, self.D, gap, -BIG, t)
            inside = draws.open_day_probability(onboard, exit_day, self.D, gap, t,
                                                t + horizon_days)
            kinds = [(1.0, opened_by, inside)]
        none_held = np.prod([1 - share * h for share, h, _ in kinds], axis=0)
        none_at_all = np.prod([1 - share * (h + w) for share, h, w in kinds], axis=0)
        return held * (none_held - none_at_all) / (1 - held * (1 - none_held))
