"""Dates in the bank's time zone."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app


def bank_today() -> date:
    """Return today's date in the bank's time zone."""
    return datetime.now(ZoneInfo(current_app.config["BANK_TIMEZONE"])).date()


def start_of_bank_day(day: date) -> datetime:
    """The naive UTC instant the bank's day begins (stored timestamps are naive UTC)."""
    if day == date.min:
        return datetime.min
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(current_app.config["BANK_TIMEZONE"]))
    return local.astimezone(UTC).replace(tzinfo=None)


def local_date(moment: datetime | str) -> date:
    """The bank date of a stored (naive UTC) timestamp; SQLite's max() may give it as text."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    zone = ZoneInfo(current_app.config["BANK_TIMEZONE"])
    return moment.replace(tzinfo=UTC).astimezone(zone).date()


def bank_day_sql(column, dialect: str):
    """SQL for the bank date ('YYYY-MM-DD') of a naive UTC timestamp column.

    A fixed offset: exact for zones without daylight saving, such as Asia/Shanghai.
    """
    from sqlalchemy import func, literal_column

    offset = datetime.now(ZoneInfo(current_app.config["BANK_TIMEZONE"])).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    if dialect == "postgresql":
        return func.to_char(column + literal_column(f"interval '{minutes} minutes'"),
                            "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column, f"{minutes:+d} minutes")
