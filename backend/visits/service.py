"""The visit and call log, written through the offline sync (kind "interaction")."""

from datetime import UTC, date, datetime

from blinker import Namespace
from flask import current_app
from sqlalchemy import bindparam, func, select

from backend import sync
from backend.auth.models import User
from backend.customers.models import Customer
from backend.customers.portfolio import Viewer, is_visible, require_customer_access, require_visible
from backend.errors import Forbidden, Invalid
from backend.extensions import db
from backend.products.models import Product
from backend.sync import StaleVersion, write_kind
from backend.visits.models import Interaction
from backend.visits.schemas import InteractionWriteSchema

# Sent inside the write's transaction as a new contact is recorded, before it is stored;
# a receiver that raises refuses the write. The calendar closes the plan entry the contact
# was logged from: the domains that react register here, so visits imports none of them.
contact_logged = Namespace().signal("contact-logged")

EDITABLE = ("channel", "started_at", "outcome", "notes", "objective", "duration_minutes",
            "products_discussed", "follow_up_on", "follow_up_objective", "location",
            "sales_amount")


def sync_writes(*, user: User, writes: list) -> list[dict]:
    """Apply a device's batch of offline writes (every kind), each answered on its own."""
    require_customer_access(user)
    # Every commit expires the ORM user; the snapshot spares a reload per write.
    return sync.process(user=Viewer.of(user), writes=writes)


def as_body(interaction: Interaction) -> dict:
    """The interaction as a device would send it: what a conflict screen shows."""
    return {
        "customer_id": interaction.customer_id, "channel": interaction.channel,
        "started_at": interaction.started_at.replace(tzinfo=UTC).isoformat(),
        "outcome": interaction.outcome, "notes": interaction.notes,
        "objective": interaction.objective, "duration_minutes": interaction.duration_minutes,
        "products_discussed": interaction.products_discussed or [],
        "follow_up_on": interaction.follow_up_on.isoformat() if interaction.follow_up_on
        else None,
        "follow_up_objective": interaction.follow_up_objective, "location": interaction.location,
        "sales_amount": str(interaction.sales_amount) if interaction.sales_amount is not None
        else None,
        "version": interaction.version,
    }


def _fields(body: dict) -> dict:
    values = {name: body[name] for name in EDITABLE}
    values["started_at"] = body["started_at"].astimezone(UTC).replace(tzinfo=None)
    return values


def _check_products(codes: list[str]) -> None:
    if not codes:
        return
    known = set(db.session.scalars(select(Product.code).where(Product.code.in_(codes))))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise Invalid("Unknown products", {"products_discussed": [
            f"Unknown product code: {code}" for code in unknown]})


@write_kind("interaction", InteractionWriteSchema())
def log_interaction(*, user: Viewer, body: dict, base_version: int | None, client_id: str) -> dict:
    """Record a visit or call, or apply an edit to one (a new version of it)."""
    customer_id = require_visible(user, body["customer_id"])
    _check_products([p["product_code"] for p in body["products_discussed"]])
    if body["replaces"] is not None:
        return _edit(user, body, base_version, customer_id)
    interaction = Interaction(client_id=client_id, rm_id=user.id, customer_id=customer_id,
                              version=1, plan_entry_id=body["plan_entry_id"], **_fields(body))
    contact_logged.send(user, interaction=interaction)
    db.session.add(interaction)
    db.session.flush()
    _after_created(interaction)
    return {"id": interaction.id, "version": interaction.version}


def _after_created(interaction: Interaction) -> None:
    """Side effects of a new contact: a sampled satisfaction survey."""
    from backend.visits import surveys

    surveys.after_interaction(interaction)


def _edit(user: Viewer, body: dict, base_version: int | None, customer_id: int) -> dict:
    original = db.session.scalar(
        select(Interaction).where(Interaction.client_id == str(body["replaces"]))
        .with_for_update())
    # A visit of a customer the user does not see answers as one never sent: another
    # answer would tell which client ids exist.
    if original is None or not is_visible(user, original.customer_id):
        raise Invalid("The visit being edited is not on the server yet",
                      {"replaces": ["Unknown visit; send the original first."]})
    if original.rm_id != user.id or original.customer_id != customer_id:
        raise Forbidden("Only the RM who logged a visit edits it")
    if base_version is None:
        raise Invalid("An edit names the version it replaces",
                      {"base_version": ["Required when editing."]})
    if base_version != original.version:
        raise StaleVersion("The visit changed since this edit was made", as_body(original))
    for name, value in _fields(body).items():
        setattr(original, name, value)
    original.version += 1
    db.session.flush()
    return {"id": original.id, "version": original.version}


# --------------------------------------------------------------------------- reading

_cid = bindparam("cid")
# Built once: both are part of every 360 card.
_RECENT = (
    select(Interaction.id, Interaction.client_id, Interaction.version, Interaction.channel,
           Interaction.started_at, Interaction.outcome, Interaction.notes,
           Interaction.objective, Interaction.follow_up_objective,
           Interaction.products_discussed, Interaction.follow_up_on, Interaction.rm_id,
           User.display_name)
    .join(User, User.id == Interaction.rm_id).where(Interaction.customer_id == _cid)
    .order_by(Interaction.started_at.desc(), Interaction.id.desc()).limit(10))
_BY_CHANNEL = (
    select(Interaction.channel, func.count())
    .where(Interaction.customer_id == _cid, Interaction.started_at >= bindparam("since"))
    .group_by(Interaction.channel))


def last_contact_of_customer():
    """Each customer's newest contact, correlated to Customer (the customer list sorts on
    it)."""
    return (select(func.max(Interaction.started_at))
            .where(Interaction.customer_id == Customer.id)
            .correlate(Customer).scalar_subquery())


def recent_contacts(customer_id: int) -> list[dict]:
    """The customer's last ten contacts, newest first, for a reader who sees the customer."""
    return [{"id": i.id, "client_id": i.client_id, "version": i.version, "channel": i.channel,
             "started_at": i.started_at, "outcome": i.outcome, "notes": i.notes,
             "objective": i.objective, "follow_up_objective": i.follow_up_objective,
             "products_discussed": i.products_discussed or [], "follow_up_on": i.follow_up_on,
             "rm": {"id": i.rm_id, "name": i.display_name}}
            for i in db.session.connection().execute(_RECENT, {"cid": customer_id})]


def contact_cost(customer_id: int, *, since: date) -> float:
    """What the customer's contacts since `since` cost the bank (CONTACT_COST per channel)."""
    costs = current_app.config["CONTACT_COST"]
    rows = db.session.connection().execute(
        _BY_CHANNEL, {"cid": customer_id, "since": datetime.combine(since, datetime.min.time())})
    return sum(costs.get(channel, 0.0) * n for channel, n in rows)
