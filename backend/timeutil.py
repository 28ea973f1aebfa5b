"""Dates in the bank's time zone."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def bank_today() -> date:
    """Return today's date in the bank's time zone."""
    return datetime.now(ZoneInfo(current_app.config["BANK_TIMEZONE"])).date()
