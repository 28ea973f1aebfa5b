"""How the demo bank draws the events its models predict (a customer leaving, a product
opened), each beside the probability of what it draws.

The world and the simulation sample from these; the model benchmark's oracle computes
from them the probability that generated each label (bench/bench_models.py), so the two
cannot drift apart. Days count from the first day of the demo's history; D is today.
"""

import numpy as np

from backend.demo.base import BIG

# ---- leaving: whether (a yearly hazard over the whole span), then when (a phase, then a
# uniform day inside it). Past exits show as closed or dormant, recent ones as fading,
# future ones are the attrition the scoring models should foresee.
EXIT_PHASE_P = (0.35, 0.20, 0.10, 0.35)
EXIT_AFTER_ONBOARDING = 60  # an exit drawn sooner than this after onboarding never happens


def _exit_windows(D: int) -> tuple[np.ndarray, np.ndarray]:
    return np.array([-365, D - 365, D - 90, D]), np.array([D - 365, D - 90, D, D + 365])


def _leave_probability(hazard, D: int):
    return 1 - np.exp(-np.asarray(hazard) * (D + 2 * 365) / 365.25)


def draw_exit(rng, hazard: np.ndarray, onboard: np.ndarray, D: int) -> np.ndarray:
    """The day each customer stops using the bank (BIG: never)."""
    n = len(hazard)
    leaves = rng.random(n) < _leave_probability(hazard, D)
    phase = rng.choice(len(EXIT_PHASE_P), n, p=list(EXIT_PHASE_P))
    lo, hi = (edge[phase] for edge in _exit_windows(D))
    exit_day = lo + (rng.random(n) * np.maximum(hi - lo, 1)).astype(np.int64)
    leaves &= exit_day > onboard + EXIT_AFTER_ONBOARDING
    return np.where(leaves, exit_day, BIG)


def exit_probability(hazard, onboard, D: int, after, until) -> np.ndarray:
    """P(the exit day drawn by draw_exit falls in (after, until]), per customer."""
    lo, hi = _exit_windows(D)
    first = np.maximum(np.asarray(after, dtype=float), np.asarray(onboard) + EXIT_AFTER_ONBOARDING)
    total = 0.0
    for p, a, b in zip(EXIT_PHASE_P, lo, hi, strict=True):
        # the days of the phase are a .. b - 1, each with probability 1 / (b - a)
        inside = np.clip(np.minimum(until, b - 1) - np.maximum(first, a - 1), 0, None)
        total = total + p * inside / max(b - a, 1)
    return _leave_probability(hazard, D) * total


# ---- products held: whether (the propensity times an exposure that grows with tenure),
# then when the account was opened.
def exposure(tenure_years):
    return 1 - np.exp(-(np.asarray(tenure_years) + 0.15) / 1.5)


OPEN_AT_ONCE = 0.3  # share opened with the current account, the rest after a gap
OPEN_SKEW = 0.8  # day = lo + U ** OPEN_SKEW x (hi - lo): openings lean towards recent days
OPEN_GAP = {"MMF": 30, "FUND": 30, "WCL": 60, "BCARD": 30, "POS": 30, "PAY": 30, "CMS": 30,
            "CGI": 30, "INS": 30}  # products opened by draw_open_day, with their gap


def draw_open_day(rng, mask, onboard, exit_day, D: int, min_gap: int):
    """Opening day of a product account: between onboarding and today, a month before
    leaving. Returns (drawn, day): drawn is False where no such day exists."""
    n = len(onboard)
    lo = onboard + np.where(rng.random(n) < OPEN_AT_ONCE, 0, min_gap)
    hi = np.minimum(D, exit_day - 30)
    day = lo + (rng.random(n) ** OPEN_SKEW * np.maximum(hi - lo, 0)).astype(np.int64)
    return mask & (hi > lo), day


def open_day_probability(onboard, exit_day, D: int, min_gap: int, after, until):
    """P(draw_open_day opens on a day in (after, until]), per customer (given the mask).

    day = lo + floor(x), x = U ** OPEN_SKEW x (hi - lo), so day <= t exactly when
    x < t - lo + 1, which has probability ((t - lo + 1) / (hi - lo)) ** (1 / OPEN_SKEW).
    """
    hi = np.minimum(D, np.asarray(exit_day) - 30)
    total = 0.0
    for share, gap in ((OPEN_AT_ONCE, 0), (1 - OPEN_AT_ONCE, min_gap)):
        lo = np.asarray(onboard) + gap
        width = np.maximum(hi - lo, 1)

        def below(t, lo=lo, width=width):
            return np.clip((np.asarray(t) - lo + 1) / width, 0, 1) ** (1 / OPEN_SKEW)

        total = total + share * np.where(hi > lo, below(until) - below(after), 0.0)
    return total


# ---- term accounts (deposits and loans): a current one maturing after today and, for
# some holders, an earlier one that has matured; opened a term before maturity.
TERM_ACCOUNTS = {
    # term choices (months) and their weights; share maturing within soon_days; share
    # with an earlier, matured account; days after onboarding before the first opening
    "TD": {"terms": (3, 6, 12, 24, 36), "weights": (0.15, 0.25, 0.35, 0.15, 0.10),
           "soon": 0.25, "soon_days": 60, "earlier": 0.45, "gap": 0},
    "INST": {"terms": (12, 24, 36, 60), "weights": None, "soon": 0.15, "soon_days": 60,
             "earlier": 0.3, "gap": 30},
    "UCC": {"terms": (12,), "weights": None, "soon": 0.15, "soon_days": 60, "earlier": 0.3,
            "gap": 30},
}


def term_days(months) -> np.ndarray:
    return np.rint(np.asarray(months) * 30.4375).astype(np.int64)


def _uniform_share(first, last, lo, hi):
    """Share of the integers first..last (uniform) that lie in lo..hi (both inclusive)."""
    return np.clip(np.minimum(last, hi) - np.maximum(first, lo) + 1, 0, None) \
        / np.maximum(last - first + 1, 1)


def term_open_probability(code: str, onboard, exit_day, close_day, D: int, after, until):
    """For each kind of term account of `code` (current, earlier): its share of holders,
    P(held on `after`) and P(opened in (after, until]) for a holder, per customer."""
    spec = TERM_ACCOUNTS[code]
    weights = spec["weights"] or [1 / len(spec["terms"])] * len(spec["terms"])
    onboard, exit_day, close_day = (np.asarray(v) for v in (onboard, exit_day, close_day))
    first_ok = onboard + spec["gap"]
    last_ok = np.minimum(np.minimum(D, exit_day - 30), close_day) - 1
    out = []
    for kind, share in (("current", 1.0), ("earlier", spec["earlier"])):
        held = opened = 0.0
        for months, weight in zip(spec["terms"], weights, strict=True):
            t = int(term_days(months))
            if kind == "current":  # maturity: today + 1..soon_days - 1, or today + 1..term
                parts = ((spec["soon"], D + 1 - t, D + spec["soon_days"] - 1 - t),
                         (1 - spec["soon"], D + 1 - t, D))
                ends = BIG  # matures after today
            else:  # maturity: a day of the history, before the customer closes
                parts = ((1.0, -t, D - 1 - t),)
                ends = None
            for p, first, last in parts:
                # opened a term before maturity, on a day the customer could open it
                lo, hi = first_ok, last_ok if ends is not None else \
                    np.minimum(last_ok, np.minimum(D, close_day) - 1 - t)
                held_by = _uniform_share(first, last, lo, np.minimum(hi, after))
                if ends is None:  # an earlier account is held on `after` only until maturity
                    held_by = _uniform_share(first, last, np.maximum(lo, after - t + 1),
                                             np.minimum(hi, after))
                held = held + weight * p * held_by
                opened = opened + weight * p * _uniform_share(
                    first, last, np.maximum(lo, after + 1), np.minimum(hi, until))
        out.append((share, held, opened))
    return out
