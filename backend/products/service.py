"""Reading the product catalogue."""

from sqlalchemy import select

from backend.extensions import db
from backend.products.models import Product


def active_products() -> list[Product]:
    """Return the products on sale, ordered for a picker."""
    return list(db.session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.line, Product.code)))
