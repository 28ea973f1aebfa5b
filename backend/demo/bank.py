"""Loading a whole demo bank: `load()` (used by `flask demo load`, the tests and the
benchmarks)."""

import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import numpy as np
from flask import current_app
from sqlalchemy import func, select, text
from tqdm import tqdm

from backend.customers.models import (
    Customer,
)
from backend.demo.base import BATCH, _Calendar
from backend.demo.history import _history
from backend.demo.simulation import _simulate
from backend.demo.world import _create_staff, _draw_world, _write_truth
from backend.demo.writing import _interactions, _related_parties, _write_batch
from backend.extensions import db
from backend.products import catalog
from backend.products.models import Package, Product

# --------------------------------------------------------------------------- public API


def load(*, customers: int = 1500, months: int = 24, seed: int = 42, rms: int = 5,
         truth_path: str | None = None, today: date | None = None,
         progress: bool = True) -> dict:
    """Load a synthetic demo bank into an empty database and return the row counts."""
    if current_app.config.get("ENV_NAME") == "production":
        raise click.ClickException("The demo bank is never loaded into a production database.")
    existing = db.session.scalar(select(func.count(Customer.id)))
    if existing:
        raise click.ClickException(
            f"The database already holds {existing} customers; the demo bank loads only into "
            "an empty database (point DATABASE_URL at a new one).")
    if customers < 1 or months < 1 or rms < 5:
        raise click.ClickException("Need at least 1 customer, 1 month and 5 RMs.")
    try:
        return _load(customers=customers, months=months, seed=seed, rms=rms,
                     truth_path=truth_path, today=today, progress=progress)
    except BaseException:
        db.session.rollback()  # all or nothing: a half-loaded bank would block --if-empty
        raise


def _load(*, customers, months, seed, rms, truth_path, today, progress) -> dict:
    started = time.perf_counter()
    if today is None:
        today = datetime.now(ZoneInfo(current_app.config["BANK_TIMEZONE"])).date()
    truth_path = Path(truth_path or current_app.config["DEMO_TRUTH_PATH"])
    offset = ZoneInfo(current_app.config["BANK_TIMEZONE"]).utcoffset(
        datetime.combine(today, datetime.min.time()))
    cal = _Calendar(today, months)
    rng = np.random.default_rng([seed, 0])

    catalog.seed_catalog()
    products = {p.code: p for p in db.session.scalars(select(Product))}
    packages = {p.tier: p for p in db.session.scalars(select(Package))}
    staff = _create_staff(rng, rms)
    world = _draw_world(rng, customers, cal, staff)

    bar = tqdm(total=customers, unit="customer", desc="demo bank", disable=not progress,
               leave=False)
    state = {"acc_seq": 0, "tx_seq": 0, "transactions": 0, "accounts": 0,
             "customer_ids": np.zeros(customers, dtype=np.int64), "sales": [],
             "credit_holders": np.zeros(customers, dtype=bool)}
    utc_start = np.datetime64(datetime.combine(cal.start, datetime.min.time()) - offset, "s")
    for b, lo in enumerate(range(0, customers, BATCH)):
        idx = np.arange(lo, min(lo + BATCH, customers))
        batch_rng = np.random.default_rng([seed, 1000 + b])
        sim = _simulate(batch_rng, world, idx, cal, packages)
        _write_batch(world, idx, sim, cal, products, staff, utc_start, state)
        bar.update(len(idx))
    bar.close()

    ids = state["customer_ids"]
    parties = _related_parties(np.random.default_rng([seed, 1]), world, ids, state)
    contacts = _interactions(np.random.default_rng([seed, 2]), world, ids, cal, products,
                             staff, offset, state)
    history = _history(np.random.default_rng([seed, 3]), world, ids, cal, products, staff,
                       utc_start, state, contacts)
    _write_truth(truth_path, world, cal)
    db.session.commit()
    # A freshly loaded bank has no planner statistics; without them SQLite picks
    # nested loops for the scoring queries (seconds instead of milliseconds).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return {"users": len(staff["users"]), "teams": len(staff["teams"]),
            "products": len(products), "packages": len(packages), "customers": customers,
            "accounts": state["accounts"], "transactions": state["transactions"],
            "related_parties": parties, "interactions": len(contacts["c"]), **history,
            "truth_path": str(truth_path), "seconds": round(time.perf_counter() - started, 1)}
