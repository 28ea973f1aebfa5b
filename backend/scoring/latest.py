"""Each customer's score of one model from the last scoring run on or before a date: what
the moments, offers and other steps read (no scikit-learn import)."""

from datetime import date

from sqlalchemy import func, select

from backend.extensions import db
from backend.scoring.models import Score


def latest_scores(model: str, as_of: date) -> dict[int, tuple[float, str]]:
    """{customer id: (value, band)} of `model` from its last run on or before as_of."""
    last = db.session.scalar(select(func.max(Score.as_of))
                             .where(Score.model == model, Score.as_of <= as_of))
    if last is None:
        return {}
    rows = db.session.execute(select(Score.customer_id, Score.value, Score.band)
                              .where(Score.model == model, Score.as_of == last)).all()
    return {cid: (value, band) for cid, value, band in rows}
