"""The plan in the nightly pipeline (DESIGN §5 step 6), and campaign messages to micro
customers, who get no RM contact of their own."""

from datetime import date

from sqlalchemy import select

from backend import texts
from backend.calendar import planner
from backend.customers.models import ContactPolicy, Customer
from backend.extensions import db
from backend.messages.models import OutboundMessage
from backend.models_base import dialect_insert
from backend.pipeline import step


@step("plan", order=60)
def plan_step(as_of: date) -> int:
    """Plan every RM's next working days and queue this quarter's campaign messages."""
    return planner.plan(as_of) + queue_campaigns(as_of)


def queue_campaigns(as_of: date) -> int:
    """One campaign e-mail a quarter to each consenting customer of a segment without RM
    cadence (micro); the quarter in the key makes a rerun queue nothing twice."""
    segments = select(ContactPolicy.segment).where(ContactPolicy.cadence_days.is_(None))
    rows = db.session.execute(
        select(Customer.id, Customer.email, Customer.name, Customer.name_en)
        .where(Customer.segment.in_(segments), Customer.status != "closed",
               Customer.consent_marketing, Customer.consent_email, Customer.email.isnot(None))
        .order_by(Customer.id)).all()
    if not rows:
        return 0
    quarter = f"{as_of.year}Q{(as_of.month - 1) // 3 + 1}"
    lang = texts.customer_language()
    values = []
    for cid, email, name, name_en in rows:
        subject, body = texts.message("quarterly", lang,
                                      customer=texts.Pair(name, name_en or name))
        values.append({"customer_id": cid, "channel": "email", "to_address": email,
                       "subject": subject, "body": body, "purpose": "campaign",
                       "status": "queued", "attempts": 0,
                       "dedupe_key": f"campaign:{cid}:{quarter}"})
    insert = dialect_insert()
    written = 0
    for start in range(0, len(values), 2000):
        statement = insert(OutboundMessage).values(values[start:start + 2000])
        written += len(db.session.execute(
            statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboundMessage.id)).all())
    return written
