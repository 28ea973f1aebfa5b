"""What a customer's or an account's fields held on a past date.

The books keep today's revenue, head count, consents, credit limits and days overdue. When
an import replaces one of these, the old value is kept in field_history with the moment it
was replaced, so features of a past date (backend/scoring/features.py) read the value known
then instead of today's, and a model never learns from what came later.
"""

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Boolean, case, func, select

from backend.customers.models import FieldHistory

TRACKED = {
    "customers": ("annual_revenue", "employees", "consent_marketing", "consent_phone",
                  "consent_email"),
    "accounts": ("limit_amount", "days_overdue"),
}


def replaced(table_name: str, row_id: int, old: Mapping, new: Mapping, at: datetime) -> list[dict]:
    """History rows for the tracked fields whose value changes from old to new."""
    return [{"table_name": table_name, "row_id": row_id, "field": field,
             "value": None if old[field] is None else float(old[field]), "replaced_at": at}
            for field in TRACKED.get(table_name, ())
            if field in new and field in old and _number(old[field]) != _number(new[field])]


def _number(value):
    return None if value is None else float(value)


def _first_replaced_after(table_name: str, field: str, row_id, end: datetime, what):
    h = FieldHistory
    return (select(what).where(h.table_name == table_name, h.field == field, h.row_id == row_id,
                               h.replaced_at > end)
            .order_by(h.replaced_at).limit(1).scalar_subquery())


def as_of(column, table_name: str, row_id, end: datetime):
    """SQL for `column` as it was at `end`: the value replaced first after end, else today's.
    (A value unknown then, kept as NULL, reads as today's.)"""
    earlier = _first_replaced_after(table_name, column.key, row_id, end, FieldHistory.value)
    if isinstance(column.type, Boolean):  # kept as 1.0 / 0.0
        return case((earlier.is_(None), column), else_=earlier > 0.5)
    return func.coalesce(earlier, column)


def snapshot_as_of(column, table_name: str, row_id, end: datetime, days, end_days: float,
                   today_lag: int):
    """SQL for a count of days that grows by one a day (days overdue), at `end`: the value
    replaced first after end, less the bank days from end to that replacement; else today's
    less `today_lag`. `days` turns a timestamp column into days since 1970 (the dialect's),
    and end_days is `end` (the end of a bank day) in the same days."""
    h = FieldHistory
    # a replacement x days after the end of the day happened on bank day ceil(x) after it
    earlier = _first_replaced_after(table_name, column.key, row_id, end, h.value - func.round(
        days(h.replaced_at) - end_days + 0.4999))
    return func.coalesce(earlier, column - today_lag)
