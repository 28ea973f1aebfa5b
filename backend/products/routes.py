"""The product catalogue, for pickers on the device."""

from flask_login import login_required
from flask_smorest import Blueprint

from backend.products import service as products_service
from backend.products.schemas import ProductListSchema

blp = Blueprint("products", __name__, url_prefix="/api/v1/products", description="Products")


@blp.get("")
@login_required
@blp.response(200, ProductListSchema)
def list_products():
    """List the products on sale"""
    return {"items": products_service.active_products()}
