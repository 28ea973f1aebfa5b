"""The plan in the nightly pipeline (DESIGN §5 step 6), and campaign messages to micro
customers, who get no RM contact of their own."""

from datetime import date

from flask import current_app
from sqlalchemy import select

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
        select(Customer.id, Customer.email, Customer.name)
        .where(Customer.segment.in_(segments), Customer.status != "closed",
               Customer.consent_marketing, Customer.consent_email, Customer.email.isnot(None))
        .order_by(Customer.id)).all()
    if not rows:
        return 0
    quarter = f"{as_of.year}Q{(as_of.month - 1) // 3 + 1}"
    bank = current_app.config["BANK_NAME"]
    values = [{"customer_id": cid, "channel": "email", "to_address": email,
               "subject": f"{bank}小微企业服务季刊",
               "body": (f"尊敬的{name}：{bank}为小微企业客户准备了本季度的产品与服务介绍，"
                        "欢迎通过手机银行或客服热线了解详情。"),
               "purpose": "campaign", "status": "queued", "attempts": 0,
               "dedupe_key": f"campaign:{cid}:{quarter}"} for cid, email, name in rows]
    insert = dialect_insert()
    written = 0
    for start in range(0, len(values), 2000):
        statement = insert(OutboundMessage).values(values[start:start + 2000])
        written += len(db.session.execute(
            statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboundMessage.id)).all())
    return written
