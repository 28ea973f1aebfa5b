"""Products (own and partner), package tiers and price quotes."""


from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models_base import JSONType, Money, Rate

FAMILIES = ("deposit", "loan", "card", "payment", "insurance", "fund", "service")
LINES = ("sme", "retail", "private", "partner")
TIERS = ("basic", "intermediate", "advanced")

package_products = Table(
    "package_products",
    db.metadata,
    Column("package_id", ForeignKey("packages.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("products.id", ondelete="CASCADE"), primary_key=True),
)


class Product(db.Model):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    family: Mapped[str] = mapped_column(String(16))
    line: Mapped[str] = mapped_column(String(16), default="sme")
    is_credit: Mapped[bool] = mapped_column(default=False)
    # Unit economics: customer rate (loans, deposits), net interest margin earned on
    # the balance, monthly fee, yearly cost of servicing one account, capital risk weight.
    rate: Mapped[float | None] = mapped_column(Rate)
    margin_rate: Mapped[float] = mapped_column(Rate, default=0)
    monthly_fee: Mapped[float] = mapped_column(Money, default=0)
    annual_cost: Mapped[float] = mapped_column(Money, default=0)
    risk_weight: Mapped[float] = mapped_column(Rate, default=0)
    term_months: Mapped[int | None]
    eligibility: Mapped[dict | None] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(default=True)


class Package(db.Model):
    """A package tier (seed: basic / intermediate / advanced) and its bundle."""

    __tablename__ = "packages"
    id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    min_balance: Mapped[float] = mapped_column(Money)
    counts_linked_accounts: Mapped[bool] = mapped_column(default=False)
    monthly_fee: Mapped[float] = mapped_column(Money)
    # Fee ladder for the tiers that have one: [{"below": balance, "fee": amount}, ...].
    fee_rules: Mapped[list | None] = mapped_column(JSONType)
    free_transactions: Mapped[int | None]  # None = unlimited
    benefits: Mapped[list | None] = mapped_column(JSONType)
    products: Mapped[list[Product]] = relationship(secondary=package_products)
