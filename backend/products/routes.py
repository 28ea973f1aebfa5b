"""The product catalogue, for pickers on the device."""

from flask_login import login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from backend.extensions import db
from backend.products.models import Product

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Products")


class ProductSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    family = fields.String()
    line = fields.String()
    is_credit = fields.Boolean()


class ProductListSchema(Schema):
    items = fields.List(fields.Nested(ProductSchema))


def active_products() -> list[Product]:
    """Return the products on sale, ordered for a picker."""
    return list(db.session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.line, Product.code)))


@blp.get("")
@login_required
@blp.response(200, ProductListSchema)
def list_products():
    """List the products on sale"""
    return {"items": active_products()}
