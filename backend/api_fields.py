"""Marshmallow fields shared by every domain's schemas."""

from datetime import datetime

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
