"""Row schemas for the CSV import: one per kind, one field per column (docs/import.md).

Cells arrive stripped, and empty cells are left out, so `required` means "must have a
value". Text limits come from the model columns, so a cell that fits here fits the table.
"""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from backend.auth.models import User
from backend.csvfiles import unescape_cell
from backend.customers.models import (
    ACCOUNT_STATUSES,
    CHANNELS,
    PARTY_KINDS,
    SEGMENTS,
    STATUSES,
    TRANSACTION_KINDS,
    Account,
    Customer,
    RelatedParty,
    Transaction,
)
from backend.products.models import TIERS, Product

INT_MAX = 2**31 - 1  # PostgreSQL integer
# Text a spreadsheet would run as a formula. A leading "-" is allowed in text ("-" is a common
# placeholder); it is escaped, like these, whenever a cell is written back to a CSV file.
FORMULA_START = ("=", "+", "@")
# The dates a file may hold, inclusive. Python's dates end at years 1 and 9999, where a
# zone offset or a day's arithmetic overflows, and the scoring features read dates with
# pandas, whose timestamps hold only 1677-09-21 to 2262-04-11 (a date outside becomes
# "unknown" there, silently): a round range well inside both.
FIRST_DAY, LAST_DAY = date(1800, 1, 1), date(2199, 12, 31)
_RANGE = f"between {FIRST_DAY} and {LAST_DAY}"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PHONE = re.compile(r"\+?[0-9(][0-9 ()\-]*")
NOT_NEGATIVE = validate.Range(min=0, error="Must not be negative.")


def _length(column) -> int:
    return column.expression.type.length


class Text(fields.String):
    """A text cell no longer than its column, holding neither formula text nor control bytes."""

    def __init__(self, column, *validators, **kwargs):
        # Checked inline rather than by validator objects: this runs for millions of cells.
        self.max_length = _length(column)
        super().__init__(validate=list(validators), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        # the escape a rejects file adds, undone: a corrected rejects file imports as the
        # original would have
        value = unescape_cell(super()._deserialize(value, attr, data, **kwargs))
        if len(value) > self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        if value.startswith(FORMULA_START):
            raise ValidationError(f"Formula text is not allowed (starts with {value[0]!r}).")
        if _CONTROL.search(value):
            raise ValidationError("Control characters are not allowed.")
        return value


class Choice(Text):
    """One of a fixed set of lower-case words; the cell may use any case."""

    def __init__(self, column, choices, **kwargs):
        self.choices = frozenset(choices)
        self.choices_text = ", ".join(choices)
        super().__init__(column, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        value = value.lower()
        if value not in self.choices:
            raise ValidationError(f"Must be one of: {self.choices_text}.")
        return value


class Phone(Text):
    """Digits, spaces, dashes and brackets, with an optional leading "+" (not a formula)."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if not _PHONE.fullmatch(value):
            raise ValidationError("Not a valid phone number.")
        if len(value) > self.max_length:
            raise ValidationError(f"Longer than maximum length {self.max_length}.")
        return value


class Amount(fields.Decimal):
    """A decimal that fits its Numeric column exactly: never rounded, never too large."""

    def __init__(self, column, **kwargs):
        numeric = column.expression.type
        self.scale = numeric.scale
        self.int_digits = numeric.precision - numeric.scale
        self.quantum = Decimal(1).scaleb(-self.scale)
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        number = super()._deserialize(value, attr, data, **kwargs)
        if number and number.adjusted() >= self.int_digits:
            raise ValidationError(f"Too large: at most {self.int_digits} digits before the point.")
        if number != number.quantize(self.quantum):
            raise ValidationError(f"At most {self.scale} decimal places.")
        return number


class Flag(fields.Boolean):
    """true/false, yes/no, y/n, 1/0, 是/否."""

    truthy = fields.Boolean.truthy | {"是"}
    falsy = fields.Boolean.falsy | {"否"}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        return super()._deserialize(value.lower(), attr, data, **kwargs)


class Day(fields.Date):
    """A date `YYYY-MM-DD` from FIRST_DAY to LAST_DAY."""

    default_error_messages = {"range": f"Must be {_RANGE}."}

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise self.make_error("range")
        return day


class UtcDateTime(fields.Field):
    """ISO date or date-time; a zone offset is converted to UTC, no offset means UTC. The
    UTC date must be from FIRST_DAY to LAST_DAY."""

    default_error_messages = {"invalid": "Not a valid ISO date or date-time.",
                              "range": f"Must be {_RANGE} (in UTC)."}

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise self.make_error("invalid") from exc
        if parsed.tzinfo is not None:
            try:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            except OverflowError:  # the offset carries it past year 1 or year 9999
                raise self.make_error("range") from None
        if not FIRST_DAY <= parsed.date() <= LAST_DAY:
            raise self.make_error("range")
        return parsed


class Count(fields.Integer):
    """A whole number from 0 to the largest PostgreSQL integer."""

    def __init__(self, **kwargs):
        super().__init__(validate=[NOT_NEGATIVE, validate.Range(max=INT_MAX, error="Too large.")],
                         **kwargs)


class RowSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # the importer passes only known columns; skips a per-row check


class CustomerRow(RowSchema):
    external_id = Text(Customer.external_id, required=True)
    name = Text(Customer.name, required=True)
    name_en = Text(Customer.name_en)
    industry = Text(Customer.industry)
    region = Text(Customer.region)
    founded_on = Day()
    employees = Count()
    annual_revenue = Amount(Customer.annual_revenue, validate=NOT_NEGATIVE)
    owner_name = Text(Customer.owner_name)
    owner_name_en = Text(Customer.owner_name_en)
    phone = Phone(Customer.phone)
    email = Text(Customer.email, validate.Email())
    rm_username = Text(User.username)
    tier = Choice(Customer.tier, TIERS)
    segment = Choice(Customer.segment, SEGMENTS)
    status = Choice(Customer.status, STATUSES)
    consent_marketing = Flag()
    consent_phone = Flag()
    consent_email = Flag()
    onboarded_on = Day()


class AccountRow(RowSchema):
    external_id = Text(Account.external_id, required=True)
    customer_external_id = Text(Customer.external_id, required=True)
    product_code = Text(Product.code, required=True)
    opened_on = Day(required=True)
    maturity_on = Day()
    closed_on = Day()
    balance = Amount(Account.balance)
    limit_amount = Amount(Account.limit_amount, validate=NOT_NEGATIVE)
    rate = Amount(Account.rate)
    days_overdue = Count()
    status = Choice(Account.status, ACCOUNT_STATUSES)

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        for name in ("maturity_on", "closed_on"):
            if data.get(name) and data[name] < data["opened_on"]:
                raise ValidationError("Must not be before opened_on.", name)


class TransactionRow(RowSchema):
    external_id = Text(Transaction.external_id, required=True)
    account_external_id = Text(Account.external_id, required=True)
    posted_at = UtcDateTime(required=True)
    amount = Amount(Transaction.amount, required=True)
    channel = Choice(Transaction.channel, CHANNELS, required=True)
    kind = Choice(Transaction.kind, TRANSACTION_KINDS, required=True)
    customer_initiated = Flag()
    description = Text(Transaction.description)


class RelationshipRow(RowSchema):
    customer_external_id = Text(Customer.external_id, required=True)
    kind = Choice(RelatedParty.kind, PARTY_KINDS, required=True)
    related_customer_external_id = Text(Customer.external_id)
    person_name = Text(RelatedParty.person_name)
    note = Text(RelatedParty.note)

    @validates_schema
    def _one_party(self, data, **kwargs):
        related, person = data.get("related_customer_external_id"), data.get("person_name")
        if related and person:
            raise ValidationError("Give related_customer_external_id or person_name, not both.",
                                  "person_name")
        if not related and not person:
            raise ValidationError("Give related_customer_external_id or person_name.",
                                  "related_customer_external_id")
        if related == data["customer_external_id"]:
            raise ValidationError("A customer cannot be related to itself.",
                                  "related_customer_external_id")
