"""Marshmallow fields shared by every domain's schemas."""

from datetime import date, datetime

from marshmallow import fields, validate


class UtcDateTime(fields.DateTime):
    """A stored timestamp (naive UTC) written as RFC 3339 with its zone: '...T08:30:00Z'.

    Without the 'Z' a client would read the time in its own zone, eight hours off in
    Shanghai, and the OpenAPI `date-time` format requires the offset.
    """

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            return value.isoformat() + "Z"
        return super()._serialize(value, attr, obj, **kwargs)


class MoneyInput(fields.Decimal):
    """An amount a client sends (loaded exactly as a Decimal, two places), documented and
    dumped as a JSON number: the OpenAPI bounds of a plain Decimal field come out as
    strings, which no validator accepts as a `maximum`."""

    def __init__(self, **kwargs):
        super().__init__(places=2, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else float(value)


MAX_ROW_ID = 2**31 - 1  # ids are 32-bit integer columns on PostgreSQL


class RowId(fields.Integer):
    """The id of a row a client names: a positive 32-bit integer, so a huge number is a
    422 naming the field rather than an overflow inside the database driver."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", True)
        super().__init__(validate=validate.Range(min=1, max=MAX_ROW_ID), **kwargs)


# The one range of days, months and years a request may name (docs/calendar.md,
# docs/reports.md): any year a bank's history or plan concerns, and far enough inside
# Python's years 1..9999 that the arithmetic around a day (a report's trend reaches a
# year back, the plan reads a month ahead) cannot leave it. Outside it: a 422 naming
# the parameter, where year 1 or 9999 used to be a 500.
FIRST_YEAR, LAST_YEAR = 2000, 2100
FIRST_DAY, LAST_DAY = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
FIRST_MONTH, LAST_MONTH = f"{FIRST_YEAR:04d}-01", f"{LAST_YEAR:04d}-12"


def _describe(kwargs: dict, bounds: str) -> dict:
    """Add the bounds to the field's description in the OpenAPI spec."""
    metadata = dict(kwargs.pop("metadata", None) or {})
    said = metadata.get("description")
    metadata["description"] = f"{said}; {bounds}" if said else bounds
    return {**kwargs, "metadata": metadata}


class FullMatch(validate.Regexp):
    """Regexp that must match the whole value: the standard one matches a prefix only,
    letting '2024-01x' through. The spec shows the same pattern, anchored."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise validate.ValidationError(self._format_error(value))
        return value


class Day(fields.Date):
    """A day (YYYY-MM-DD) inside the years above. The spec carries the bounds as
    x-minimum / x-maximum (OpenAPI has no minimum for strings) and in the description."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=FIRST_DAY, max=LAST_DAY,
                                                 error="From {min} to {max}."),
                         **_describe(kwargs, f"YYYY-MM-DD, {FIRST_DAY} to {LAST_DAY}"))


MONTH_FORMAT = FullMatch(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="A month as YYYY-MM.")


class _MonthRange(validate.Range):
    """YYYY-MM strings order as their months do, so the range compares them as they are;
    what is no month at all is left to MONTH_FORMAT, to be refused once."""

    def __call__(self, value):
        if MONTH_FORMAT.regex.fullmatch(value) is None:
            return value
        return super().__call__(value)


class Month(fields.String):
    """A calendar month (YYYY-MM) inside the years above; bounds in the spec as for Day."""

    def __init__(self, **kwargs):
        super().__init__(validate=[MONTH_FORMAT, _MonthRange(min=FIRST_MONTH, max=LAST_MONTH,
                                                             error="From {min} to {max}.")],
                         **_describe(kwargs, f"YYYY-MM, {FIRST_MONTH} to {LAST_MONTH}"))


class Year(fields.Integer):
    """A year inside the range above."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR,
                                                 error="From {min} to {max}."),
                         **_describe(kwargs, f"{FIRST_YEAR} to {LAST_YEAR}"))


class _LocalDayRange(validate.Range):
    """Compares the day as written, in its own offset: converting year 1 or 9999 to UTC
    first could leave Python's years."""

    def __call__(self, value: datetime):
        super().__call__(value.date())
        return value


class Instant(fields.AwareDateTime):
    """A moment a device recorded (ISO 8601 with its offset), on a day inside the years
    above: a visit at year 1 or 9999 is a typo or a broken clock, refused naming the field."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=None,
                         validate=_LocalDayRange(min=FIRST_DAY, max=LAST_DAY,
                                                 error="From {min} to {max}."),
                         **_describe(kwargs, f"ISO 8601 with offset, {FIRST_DAY} to {LAST_DAY}"))
