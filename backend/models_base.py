"""Column helpers shared by every domain's models."""

from datetime import UTC, datetime

from sqlalchemy import JSON, Numeric, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")
Money = Numeric(18, 2)
Rate = Numeric(9, 6)


def utcnow() -> datetime:
    """Return the current UTC time, naive: every stored timestamp is UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def month_key(column, dialect: str) -> ColumnElement[str]:
    """SQL for the 'YYYY-MM' month of a timestamp column, on SQLite or PostgreSQL."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def dialect_insert():
    """INSERT with ON CONFLICT (do nothing / do update) for the engine in use."""
    from backend.extensions import db

    return postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
