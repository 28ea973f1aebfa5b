"""The morning briefing: at 08:00 in each RM's time zone, one alert naming today's planned
contacts (queued once a day; the push sender delivers it)."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from backend import texts
from backend.auth.models import User
from backend.calendar.models import PlanEntry
from backend.customers.models import Customer
from backend.extensions import db
from backend.models_base import dialect_insert, utcnow
from backend.push.models import Notification

BRIEFING_AT = time(8, 0)
BRIEFING_UNTIL = time(12, 0)  # a scheduler down all morning sends no stale briefing
BRIEFING_TTL = 12 * 3600


def queue_briefings(now: datetime) -> int:
    """The morning briefing for each RM whose local time is past 08:00 (once a day)."""
    queued = 0
    rms = db.session.scalars(select(User).where(User.role == "rm", User.is_active_user)).all()
    for rm in rms:
        local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(rm.time_zone or "UTC"))
        if not BRIEFING_AT <= local.time().replace(tzinfo=None) < BRIEFING_UNTIL:
            continue
        today = local.date()
        names = db.session.execute(
            select(Customer.name, Customer.name_en)
            .join(PlanEntry, PlanEntry.customer_id == Customer.id)
            .where(PlanEntry.rm_id == rm.id, PlanEntry.day == today,
                   PlanEntry.state == "planned")
            .order_by(PlanEntry.priority.desc(), PlanEntry.customer_id)).all()
        if not names:
            continue
        top = texts.listing([texts.Pair(n, en or n) for n, en in names[:3]])
        alert = texts.notice("briefing", count=len(names), names=top)
        title, body = alert["en"] if rm.locale.startswith("en") else alert["zh"]
        statement = dialect_insert()(Notification).values(
            user_id=rm.id, kind="briefing", title=title, body=body[:1000], url="/",
            topic="briefing", urgency="normal", ttl_seconds=BRIEFING_TTL, status="queued",
            attempts=0, dedupe_key=f"briefing:{rm.id}:{today.isoformat()}",
            created_at=utcnow())
        queued += len(db.session.execute(
            statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.id)).all())
    db.session.commit()
    return queued
