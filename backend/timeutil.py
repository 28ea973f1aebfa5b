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
