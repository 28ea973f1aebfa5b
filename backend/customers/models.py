"""Customers, their related parties, accounts and transactions, and the contact policy per
segment (the red line that keeps customers from being pestered)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.extensions import db
from backend.models_base import JSONType, Money, Rate, utcnow

SEGMENTS = ("large", "medium", "small", "micro")
STATUSES = ("active", "dormant", "lapsed", "closed")
PARTY_KINDS = ("owner", "guarantor", "supplier", "buyer", "affiliate")
ACCOUNT_STATUSES = ("open", "closed")
CHANNELS = ("branch", "mobile", "online", "atm", "pos", "transfer", "system")
TRANSACTION_KINDS = ("deposit", "withdrawal", "payment", "transfer", "fee", "interest",
                     "drawdown", "repayment", "card", "premium")


class Customer(db.Model):
    __tablename__ = "customers"
    __table_args__ = (CheckConstraint("employees >= 0", name="employees_non_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    industry: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    founded_on: Mapped[date | None]
    employees: Mapped[int | None]
    annual_revenue: Mapped[float | None] = mapped_column(Money)
    owner_name: Mapped[str | None] = mapped_column(String(100))
    owner_name_en: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(200))
    rm_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    tier: Mapped[str] = mapped_column(String(16), default="basic", index=True)
    segment: Mapped[str] = mapped_column(String(16), default="small", index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    consent_marketing: Mapped[bool] = mapped_column(default=True)
    consent_phone: Mapped[bool] = mapped_column(default=True)
    consent_email: Mapped[bool] = mapped_column(default=True)
    onboarded_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    leave_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    rm = relationship("User")
    accounts: Mapped[list["Account"]] = relationship(back_populates="customer")


class RelatedParty(db.Model):
    """A link from a customer to another customer or to a person outside the bank's books."""

    __tablename__ = "related_parties"
    __table_args__ = (
        # NULLs are distinct in a plain unique constraint, so coalesce them: one link
        # per customer, kind and party whether the party is a customer or a person.
        Index("uq_related_parties_link", "customer_id", "kind",
              func.coalesce(text("related_customer_id"), 0),
              func.coalesce(text("person_name"), ""), unique=True),
        CheckConstraint("related_customer_id IS NOT NULL OR person_name IS NOT NULL",
                        name="party_named"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(16))
    related_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"),
                                                            index=True)
    person_name: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(200))


class Account(db.Model):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    opened_on: Mapped[date]
    maturity_on: Mapped[date | None] = mapped_column(index=True)
    closed_on: Mapped[date | None]
    # Deposits: money held; credit: amount outstanding. Limits are credit lines.
    balance: Mapped[float] = mapped_column(Money, default=0)
    limit_amount: Mapped[float | None] = mapped_column(Money)
    rate: Mapped[float | None] = mapped_column(Rate)
    days_overdue: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="open")

    customer: Mapped[Customer] = relationship(back_populates="accounts")
    product = relationship("Product")


class Transaction(db.Model):
    __tablename__ = "transactions"
    __table_args__ = (Index("ix_transactions_account_posted", "account_id", "posted_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    posted_at: Mapped[datetime]
    # Signed: positive raises the account balance (deposit in, loan drawn), negative lowers it.
    amount: Mapped[float] = mapped_column(Money)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    customer_initiated: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(String(200))


class FieldHistory(db.Model):
    """A value of a customer or account field as it was until it was replaced, so features
    of a past date read what was known then (backend/customers/history.py)."""

    __tablename__ = "field_history"
    __table_args__ = (Index("ix_field_history_row", "table_name", "field", "row_id",
                            "replaced_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[int]
    field: Mapped[str] = mapped_column(String(32))
    value: Mapped[float | None]  # tracked fields are numbers or flags (1.0 / 0.0)
    replaced_at: Mapped[datetime]


class ContactPolicy(db.Model):
    """The red line for one segment; analysts edit it (PUT /api/v1/contact-policies/<segment>)."""

    __tablename__ = "contact_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str] = mapped_column(String(16), unique=True)
    # Regular service contact every N days; NULL: no RM contact, a campaign message instead
    cadence_days: Mapped[int | None]
    max_marketing_30d: Mapped[int]
    min_gap_days: Mapped[int]
    decline_cooldown_days: Mapped[int]
    preferred_channels: Mapped[list] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
