"""The daily plan, its calendar feed, the contact policy, working days and leave."""

from datetime import date, datetime

from flask import Response, current_app
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from backend.calendar import ics, service
from backend.calendar.schemas import (
    CalendarDayListSchema,
    CalendarDayQuerySchema,
    CalendarDaySchema,
    ContactPolicyListSchema,
    ContactPolicySchema,
    FeedQuerySchema,
    FeedSchema,
    LeaveListSchema,
    LeaveSchema,
    PlanEntrySchema,
    PlanPatchSchema,
    PlanQuerySchema,
    PlanSchema,
    RefreshQuerySchema,
    RefreshSchema,
)
from backend.customers.portfolio import Viewer
from backend.errors import Invalid
from backend.extensions import db
from backend.timeutil import bank_today
from backend.workdays import WorkCalendar

blp = Blueprint("calendar", __name__, url_prefix="/api/v1",
                description="The daily contact plan and the contact policy (docs/calendar.md)")


def _viewer() -> Viewer:
    return Viewer.of(current_user)


def _date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise Invalid("Not a date", {"day": ["Use YYYY-MM-DD."]}) from None


@blp.get("/plan")
@login_required
@blp.arguments(PlanQuerySchema, location="query")
@blp.response(200, PlanSchema)
def get_plan(args):
    """A day's plan (default: today, or the next working day when today is not one); a lead
    may pass rm= for one RM of the team"""
    day = args["date"] or service.plan_day(bank_today())
    return {"date": day, "working_day": WorkCalendar.load(day, day).is_working(day),
            "entries": service.entries(_viewer(), day=day, rm_id=args["rm"])}


@blp.patch("/plan/<int:entry_id>")
@login_required
@blp.arguments(PlanPatchSchema)
@blp.response(200, PlanEntrySchema)
def patch_plan_entry(body, entry_id: int):
    """Mark an entry done, snoozed to a day, or dismissed with a reason"""
    viewer = _viewer()
    service.set_state(viewer, entry_id, body, body.pop("base_version"))
    db.session.commit()
    return service.entry(viewer, entry_id)


@blp.post("/plan/refresh")
@login_required
@blp.arguments(RefreshQuerySchema, location="query")
@blp.response(200, RefreshSchema)
def refresh_plan(args):
    """Rebuild the caller's next working days now (a lead: rm= of the team)"""
    return {"entries": service.refresh(_viewer(), bank_today(), args["rm"])}


@blp.post("/plan/feed")
@login_required
@blp.response(201, FeedSchema)
def create_feed():
    """Create or rotate the secret URL of the caller's calendar feed"""
    token = service.new_feed_token(_viewer())
    return {"url": f"{current_app.config['PUBLIC_BASE_URL']}/api/v1/plan.ics?token={token}"}


@blp.delete("/plan/feed")
@login_required
@blp.response(204)
def revoke_feed():
    """Revoke the calendar feed: its URL answers 404 from now on"""
    service.revoke_feed_token(_viewer())


@blp.get("/plan.ics")
@blp.arguments(FeedQuerySchema, location="query")
@blp.response(200, content_type="text/calendar")
def plan_feed(args):
    """The plan as an RFC 5545 calendar; the secret token in the URL is the credential"""
    owner = service.feed_owner(args["token"])
    body = ics.render(service.feed_entries(owner, bank_today()), zone=owner.time_zone,
                      locale=owner.locale, base_url=current_app.config["PUBLIC_BASE_URL"])
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": 'inline; filename="plan.ics"',
                             "Cache-Control": "private, max-age=300"})


@blp.get("/contact-policies")
@login_required
@blp.response(200, ContactPolicyListSchema)
def list_policies():
    """The contact policy (the cross-sell red line) per segment"""
    return {"items": service.policies()}


@blp.put("/contact-policies/<segment>")
@login_required
@blp.arguments(ContactPolicySchema)
@blp.response(200, ContactPolicySchema)
def put_policy(body, segment: str):
    """Change a segment's contact policy (analysts, administrators)"""
    return service.update_policy(_viewer(), segment, body)


@blp.get("/calendar/days")
@login_required
@blp.arguments(CalendarDayQuerySchema, location="query")
@blp.response(200, CalendarDayListSchema)
def list_days(args):
    """Holidays and make-up working days"""
    return {"items": service.calendar_days(args["year"])}


@blp.put("/calendar/days/<day>")
@login_required
@blp.arguments(CalendarDaySchema)
@blp.response(200, CalendarDaySchema)
def put_day(body, day: str):
    """Mark a day a holiday (working: false) or a make-up working day (analysts, admins)"""
    return service.put_calendar_day(_viewer(), _date(day), body)


@blp.delete("/calendar/days/<day>")
@login_required
@blp.response(204)
def delete_day(day: str):
    """Make a day ordinary again"""
    service.delete_calendar_day(_viewer(), _date(day))


@blp.get("/leaves")
@login_required
@blp.response(200, LeaveListSchema)
def list_leaves():
    """The caller's leave (a lead: the team's)"""
    return {"items": service.leaves(_viewer())}


@blp.post("/leaves")
@login_required
@blp.arguments(LeaveSchema)
@blp.response(201, LeaveSchema)
def add_leave(body):
    """Record leave: the planner plans nothing on those days"""
    return service.add_leave(_viewer(), body)


@blp.delete("/leaves/<int:leave_id>")
@login_required
@blp.response(204)
def delete_leave(leave_id: int):
    """Remove leave"""
    service.delete_leave(_viewer(), leave_id)
