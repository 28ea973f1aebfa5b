"""The plan as an RFC 5545 calendar, so it shows in the phone's own calendar app."""

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from backend import texts
from backend.models_base import utcnow

DEFAULT_HOUR = 10
MINUTES = {"visit": 60, "call": 15, "video": 30, "message": 10, "email": 10}


def render(entries: list[dict], *, zone: str, locale: str, base_url: str) -> bytes:
    """One VEVENT per entry at its suggested hour in the RM's zone; UIDs are stable, so a
    calendar app updates an entry the planner moved instead of adding a second one."""
    english = locale.startswith("en")
    host = urlsplit(base_url).netloc or "rm-companion"
    tz = ZoneInfo(zone)
    cal = Calendar()
    cal.add("prodid", "-//RM Companion//Contact plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", texts.word("calendar", "name")[1 if english else 0])
    cal.add("x-wr-timezone", zone)
    stamp = utcnow().replace(tzinfo=ZoneInfo("UTC"))
    for e in entries:
        start = datetime.combine(e["day"], time(e["suggested_hour"] or DEFAULT_HOUR), tzinfo=tz)
        event = Event()
        event.add("uid", f"plan-{e['customer']['id']}-{e['day'].isoformat()}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=MINUTES.get(e["channel"], 30)))
        name = (e["customer"]["name_en"] or e["customer"]["name"]) if english \
            else e["customer"]["name"]
        objective = (e["objective_en"] or e["objective"]) if english else e["objective"]
        event.add("summary", f"{name}: {objective}")
        reasons = "\n".join(f"- {r['en'] if english else r['zh']}" for r in e["reasons"])
        event.add("description", f"{objective}\n{reasons}")
        event.add("status", "CANCELLED" if e["state"] == "dismissed" else "CONFIRMED")
        event.add("categories", [e["channel"]])
        event.add("url", f"{base_url}/customers/{e['customer']['id']}")
        cal.add_component(event)
    return cal.to_ical()

