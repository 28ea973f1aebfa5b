"""The months and weeks a report covers, in bank dates."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from backend.errors import Invalid

MONTH_PATTERN = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
TREND_WEEKS = 12
TREND_MONTHS = 12


@dataclass(frozen=True)
class Period:
    """A calendar month; `end` is exclusive and stops after today for the running month."""

    month: str  # YYYY-MM
    start: date
    end: date
    closed: bool  # the month is over: its figures can be snapshot

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    return (month_start(day) - timedelta(days=1)).replace(day=1)


def month_of(text: str | None, today: date) -> Period:
    """The period for 'YYYY-MM' (default: this month, up to today); no future months."""
    if text is None:
        start = month_start(today)
    else:
        match = MONTH_PATTERN.fullmatch(text)
        if match is None:
            raise Invalid("Bad month", {"month": ["A month as YYYY-MM."]})
        start = date(int(match[1]), int(match[2]), 1)
        if start > today:
            raise Invalid("Bad month", {"month": ["Not a month that has begun."]})
    after = next_month(start)
    closed = after <= today
    return Period(month=f"{start:%Y-%m}", start=start, end=after if closed else today
                  + timedelta(days=1), closed=closed)


def week_starts(last_day: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The Mondays of the `weeks` ISO weeks ending with the one holding `last_day`."""
    monday = last_day - timedelta(days=last_day.weekday())
    return [monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]


def month_starts(last_day: date, months: int = TREND_MONTHS) -> list[date]:
    """The first days of the `months` months ending with the one holding `last_day`."""
    out = [month_start(last_day)]
    while len(out) < months:
        out.insert(0, previous_month(out[0]))
    return out
