"""Each customer's score of one model from the last scoring run on or before a date: what
the moments, offers and other steps read; and one customer's latest scores, as the 360 card
shows them (no scikit-learn import)."""

from datetime import date, timedelta

from sqlalchemy import bindparam, func, literal, select

from backend.extensions import db
from backend.models_base import JSONType
from backend.products.models import Product
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


_cid = bindparam("cid")
_latest = (select(Score.model, func.max(Score.as_of).label("as_of"))
           .where(Score.customer_id == _cid).group_by(Score.model).subquery())
# Built once: part of every 360 card.
_CUSTOMER_SCORES = (
    select(Score.model, Score.version, Score.value, Score.band,
           func.coalesce(Score.reasons, literal([], JSONType)).label("reasons"), Score.as_of)
    .join(_latest, (_latest.c.model == Score.model) & (_latest.c.as_of == Score.as_of))
    .where(Score.customer_id == _cid).order_by(Score.model))
_before = (select(Score.model, func.max(Score.as_of).label("as_of"))
           .where(Score.customer_id == _cid, Score.as_of <= bindparam("month_ago"))
           .group_by(Score.model).subquery())
_MONTH_AGO = (
    select(Score.model, Score.value)
    .join(_before, (_before.c.model == Score.model) & (_before.c.as_of == Score.as_of))
    .where(Score.customer_id == _cid))
_PRODUCTS_NAMED = select(Product.code, Product.name, Product.name_en).where(
    Product.code.in_(bindparam("codes", expanding=True)))


def customer_scores(customer_id: int) -> list[dict]:
    """Each model's latest score of the customer, with its change since the score a month
    before and, for propensity:<code>, the product's name."""
    connection = db.session.connection()
    scores = connection.execute(_CUSTOMER_SCORES, {"cid": customer_id}).all()
    if not scores:
        return []
    month_ago = max(s.as_of for s in scores) - timedelta(days=30)
    before = dict(connection.execute(_MONTH_AGO, {"cid": customer_id,
                                                  "month_ago": month_ago}).all())
    codes = [s.model.split(":", 1)[1] for s in scores if s.model.startswith("propensity:")]
    products = {p.code: {"code": p.code, "name": p.name, "name_en": p.name_en}
                for p in connection.execute(_PRODUCTS_NAMED, {"codes": codes})} if codes else {}
    return [{**s._mapping, "change": None if s.model not in before
             else round(s.value - before[s.model], 6),
             "product": products.get(s.model.partition(":")[2])} for s in scores]
