"""Which alerts a user wants pushed, and their quiet hours (in the user's time zone)."""

from collections.abc import Collection
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.auth.models import User

KINDS = ("briefing", "risk_high", "risk", "approval_requested", "approval_decided",
         "renewal_due", "referral", "test")


def kinds(user: User) -> dict[str, bool]:
    """Every kind with the user's choice; a kind never chosen is on."""
    chosen = user.alert_kinds or {}
    return {kind: bool(chosen.get(kind, True)) for kind in KINDS}


def route(user: User, kind: str, now: datetime,
          urgent: Collection[str]) -> tuple[str, datetime | None]:
    """Where a due alert goes now: ("push", None), ("deferred", when the quiet hours end) or
    ("inbox_only", None) when the user turned its kind off. The one place these rules live.
    """
    if kind == "test":
        # The RM pressed "send a test" to see that alerts reach this phone: it goes now,
        # whatever the quiet hours and kind choices. Held till 07:00, it reads as "broken".
        return "push", None
    if not kinds(user).get(kind, True):
        return "inbox_only", None
    ends = None if kind in urgent else quiet_until(user, now)
    return ("deferred", ends) if ends is not None else ("push", None)


def quiet_until(user: User, now: datetime) -> datetime | None:
    """If `now` (naive UTC) falls in the user's quiet hours, when they end (naive UTC)."""
    start, end = user.quiet_start, user.quiet_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(user.time_zone or "UTC")
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    ends = datetime.combine(day, time(end.hour, end.minute), tzinfo=zone)
    return ends.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
