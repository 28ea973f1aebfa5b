"""Shared pieces of the demo bank: constants, the simulated calendar, row accumulators."""

from datetime import date, timedelta

import numpy as np

from backend.customers.models import (
    CHANNELS,
    TRANSACTION_KINDS,
)
from backend.demo.words import CNY, DESC

PASSWORD = "demo1234"
BATCH = 250  # customers simulated together; fixed so that a seed means one bank
CHUNK = 20_000  # rows per bulk insert
DAY = 86_400
BIG = 10**9  # "never", in days: still safe to multiply by DAY in int64

KIND = {k: i for i, k in enumerate(TRANSACTION_KINDS)}
CHAN = {c: i for i, c in enumerate(CHANNELS)}


def _seconds(rng, n, lo_hour: float, hi_hour: float) -> np.ndarray:
    return (rng.uniform(lo_hour, hi_hour, n) * 3600).astype(np.int64)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------- calendar


class _Calendar:
    """Days of the window (day 0 = first day of the first month), months, seasonal weights."""

    def __init__(self, today: date, months: int):
        y, m = today.year, today.month - (months - 1)
        while m < 1:
            y, m = y - 1, m + 12
        self.start = date(y, m, 1)
        self.today = today
        self.D = (today - self.start).days  # days before today: transactions end yesterday
        self.M = months
        starts, ends, full = [], [], []
        y, m = self.start.year, self.start.month
        for _ in range(months):
            s = date(y, m, 1)
            y2, m2 = (y + 1, 1) if m == 12 else (y, m + 1)
            e = date(y2, m2, 1)
            starts.append((s - self.start).days)
            full.append((e - s).days)
            ends.append(min((e - self.start).days, self.D))
            y, m = y2, m2
        self.mstart = np.array(starts, dtype=np.int64)
        self.mend = np.array(ends, dtype=np.int64)
        self.mfull = np.array(full, dtype=np.int64)
        self.mdays = np.maximum(self.mend - self.mstart, 0)
        self.mmid = self.mstart + self.mdays // 2
        self.weights = self._weights()
        self.cumw = np.concatenate([np.zeros((2, 1)), np.cumsum(self.weights, axis=1)], axis=1)
        # Expected activity of a month relative to an ordinary 30.44-day month.
        self.season = np.stack([(self.cumw[p, self.mend] - self.cumw[p, self.mstart]) / 30.44
                                for p in (0, 1)])

    def date_of(self, day) -> date:
        return self.start + timedelta(days=int(day))

    def _weights(self) -> np.ndarray:
        """Daily weights of two profiles: 0 business-to-business, 1 consumer-facing."""
        n = max(self.D, 1)
        days = np.arange(n)
        dates = np.datetime64(self.start.isoformat()) + days.astype("timedelta64[D]")
        weekday = (days + self.start.weekday()) % 7
        month = dates.astype("datetime64[M]").astype(int) % 12 + 1
        dom = (dates - dates.astype("datetime64[M]")).astype(int) + 1
        b2b = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.3, 0.15))
        shop = np.where(weekday < 5, 0.9, np.where(weekday == 5, 1.3, 1.2))
        for year, (mo, dd) in CNY.items():
            rel = (dates - np.datetime64(date(year, mo, dd).isoformat())).astype(int)
            holiday = (rel >= -2) & (rel <= 7)
            before = (rel >= -25) & (rel < -2)
            b2b = np.where(holiday, b2b * 0.2, np.where(before, b2b * 1.2, b2b))
            shop = np.where(holiday, shop * 0.5, np.where(before, shop * 1.4, shop))
        year_end = (month == 12) & (dom >= 10)
        golden_week = (month == 10) & (dom <= 7)
        half_year = (month == 6) & (dom >= 20)
        b2b = b2b * np.where(year_end, 1.3, 1.0) * np.where(golden_week, 0.3, 1.0) \
            * np.where(half_year, 1.1, 1.0)
        shop = shop * np.where(year_end, 1.25, 1.0) * np.where(golden_week, 1.3, 1.0)
        w = np.stack([b2b / b2b.mean(), shop / shop.mean()])
        return w[:, : self.D] if self.D else w[:, :0]

    def sample_days(self, rng, month: np.ndarray, profile: np.ndarray) -> np.ndarray:
        """Draw a day inside each given month, following the profile's daily weights."""
        out = np.empty(len(month), dtype=np.int64)
        for p in (0, 1):
            sel = profile == p
            if not sel.any():
                continue
            m = month[sel]
            lo, hi = self.cumw[p, self.mstart[m]], self.cumw[p, self.mend[m]]
            u = lo + rng.random(len(m)) * (hi - lo)
            d = np.searchsorted(self.cumw[p], u, side="right") - 1
            out[sel] = np.clip(d, self.mstart[m], np.maximum(self.mend[m] - 1, self.mstart[m]))
        return out

    def month_of(self, day: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.mstart, day, side="right") - 1

    def monthly(self, open_day, end_day, dom):
        """Monthly events on day-of-month dom of each account between its open and end days."""
        day = self.mstart[None, :] + np.minimum(dom[:, None] - 1, self.mfull[None, :] - 1)
        ok = (day > open_day[:, None]) & (day < end_day[:, None]) & (day < self.D)
        a, m = np.nonzero(ok)
        return a, m, day[a, m]


# --------------------------------------------------------------------------- accumulators


class _Rows:
    """Transactions under construction, as parallel numpy arrays."""

    FIELDS = ("acc", "t", "amt", "kind", "chan", "ci", "desc", "stop", "free")

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, acc, t, amt, kind: str, chan, ci: bool, desc, stop: bool = False,
            free: bool = False) -> None:
        acc = np.asarray(acc, dtype=np.int64)
        n = len(acc)
        if not n:
            return

        def full(v, dtype):
            v = np.asarray(v)
            return np.full(n, v, dtype=dtype) if v.ndim == 0 else v.astype(dtype)

        chan = CHAN[chan] if isinstance(chan, str) else chan
        desc = DESC[desc] if isinstance(desc, str) else desc
        self.parts.append({"acc": acc, "t": full(t, np.int64), "amt": full(amt, np.float64),
                           "kind": full(KIND[kind], np.int8), "chan": full(chan, np.int8),
                           "ci": full(ci, bool), "desc": full(desc, np.int16),
                           "stop": full(stop, bool), "free": full(free, bool)})

    def concat(self) -> dict:
        if not self.parts:
            return {f: np.zeros(0, dtype=np.int64) for f in self.FIELDS}
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.FIELDS}


def _take(rows: dict, keep: np.ndarray) -> dict:
    return {k: v[keep] for k, v in rows.items()}


def _join(*parts: dict) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


class _Accounts:
    """Accounts of one batch, as parallel lists of numpy arrays."""

    def __init__(self):
        self.parts: list[dict] = []
        self.n = 0

    def add(self, cust, code: str, open_day, mat_day=None, close_day=None, limit=None,
            rate=None, amount=None) -> np.ndarray:
        cust = np.asarray(cust, dtype=np.int64)
        k = len(cust)
        big = BIG

        def arr(v, fill):
            return np.full(k, fill, dtype=np.float64 if isinstance(fill, float) else np.int64) \
                if v is None else np.asarray(v)

        part = {"cust": cust, "code": np.full(k, code, dtype=object),
                "open": np.asarray(open_day, dtype=np.int64),
                "mat": arr(mat_day, big).astype(np.int64),
                "close": arr(close_day, big).astype(np.int64),
                "limit": arr(limit, np.nan).astype(np.float64),
                "rate": arr(rate, np.nan).astype(np.float64),
                "amount": arr(amount, np.nan).astype(np.float64)}
        self.parts.append(part)
        idx = np.arange(self.n, self.n + k)
        self.n += k
        return idx

    def concat(self) -> dict:
        return {f: np.concatenate([p[f] for p in self.parts]) for f in self.parts[0]}
