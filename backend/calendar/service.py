"""The daily plan: entries change state from the device (sync kind "plan_entry_state")."""

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from backend.auth.portfolio import Viewer, require_visible
from backend.calendar.models import PLAN_STATES, PlanEntry
from backend.errors import Forbidden, NotFound
from backend.extensions import db
from backend.visits.sync import StaleVersion, write_kind


class PlanStateWriteSchema(Schema):
    plan_entry_id = fields.Integer(required=True, strict=True)
    state = fields.String(required=True, validate=validate.OneOf(PLAN_STATES))


def as_body(entry: PlanEntry) -> dict:
    return {"plan_entry_id": entry.id, "state": entry.state, "version": entry.version}


@write_kind("plan_entry_state", PlanStateWriteSchema())
def set_state(*, user: Viewer, body: dict, base_version: int | None, client_id: str) -> dict:
    """Mark a plan entry done, snoozed or missed, unless it changed since the device saw it."""
    entry = db.session.scalar(
        select(PlanEntry).where(PlanEntry.id == body["plan_entry_id"]).with_for_update())
    if entry is None:
        raise NotFound("No such plan entry")
    require_visible(user, entry.customer_id)
    if user.role == "rm" and entry.rm_id != user.id:
        raise Forbidden("Not your plan entry")
    if base_version is not None and base_version != entry.version:
        raise StaleVersion("The plan entry changed since", as_body(entry))
    entry.state = body["state"]
    entry.version += 1
    db.session.flush()
    return {"id": entry.id, "version": entry.version}
