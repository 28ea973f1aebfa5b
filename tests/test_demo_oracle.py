"""The oracle is the probability the demo drew each label from: checked against the draws
themselves and against the labels of a demo bank."""

from datetime import timedelta

import numpy as np
import pytest
from flask import current_app

from backend import demo
from backend.demo import draws
from backend.demo.base import BIG, _Calendar
from backend.demo.oracle import Truth
from backend.scoring import features as feats

D = 730


def test_exit_probability_is_the_frequency_of_the_drawn_exit_days():
    rng = np.random.default_rng(1)
    n = 200_000
    hazard = np.full(n, 0.2)
    onboard = np.full(n, -400)
    exit_day = draws.draw_exit(rng, hazard, onboard, D)
    for after, until in ((-BIG, 100), (D - 200, D - 20), (D - 30, D + 182), (D + 100, D + 300)):
        drawn = np.mean((exit_day > after) & (exit_day <= until) & (exit_day < BIG))
        computed = draws.exit_probability(hazard[:1], onboard[:1], D, after, until)[0]
        assert drawn == pytest.approx(computed, abs=4e-3)


@pytest.mark.parametrize("onboard", [-500, 100, 600])
def test_open_day_probability_is_the_frequency_of_the_drawn_days(onboard):
    rng = np.random.default_rng(2)
    n = 200_000
    mask = np.ones(n, bool)
    start = np.full(n, onboard)
    exit_day = np.full(n, BIG)
    drawn_ok, day = draws.draw_open_day(rng, mask, start, exit_day, D, 60)
    for after, until in ((-BIG, D - 91), (D - 91, D), (onboard + 10, onboard + 100)):
        drawn = np.mean(drawn_ok & (day > after) & (day <= until))
        computed = draws.open_day_probability(start[:1], exit_day[:1], D, 60, after, until)[0]
        assert drawn == pytest.approx(computed, abs=4e-3)


def test_the_oracle_expects_as_many_labels_as_the_demo_bank_drew(app):
    """Summed over customers, the oracle's probabilities are the expected count of
    positives: the counts the bank shows agree within three standard deviations."""
    demo.load(customers=1000, months=24, seed=4, progress=False)
    today = feats.snapshot_date()
    truth = Truth(current_app.config["DEMO_TRUTH_PATH"], _Calendar(today, 24).start, today)
    day = today - timedelta(days=91)
    expected = observed = variance = 0.0
    for code in (*draws.OPEN_GAP, *draws.TERM_ACCOUNTS):
        y = feats.labels_product_taken(day, code, 91)
        p = truth.product_taken(code, y.index, day, 91)
        assert ((p >= 0) & (p <= 1)).all()
        expected, observed = expected + p.sum(), observed + y.sum()
        variance += (p * (1 - p)).sum()
    assert abs(observed - expected) < 3 * variance ** 0.5
    assert observed > 50

    day = today - timedelta(days=272)
    y = feats.labels_attrition(day, 182)
    f = feats.features(day).loc[y.index]
    p = truth.attrition(y.index, day, 182, truth.day(day) - f["days_since_own_tx"].to_numpy())
    assert abs(y.sum() - p.sum()) < 3 * (p * (1 - p)).sum() ** 0.5 + 3
