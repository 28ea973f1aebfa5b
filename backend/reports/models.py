"""Monthly report snapshots: a closed month's reports as they were when the month ended."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db
from backend.models_base import JSONType, utcnow

REPORT_KINDS = ("rm", "team", "products")


class ReportSnapshot(db.Model):
    __tablename__ = "report_snapshots"
    # One snapshot per report, subject and month: a rerun never overwrites a past month.
    __table_args__ = (Index("uq_report_snapshots", "kind", "subject_id", "month", unique=True),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # rm | team | products
    subject_id: Mapped[int]  # the RM's or the team's id; 0 for the bank-wide products report
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[dict] = mapped_column(JSONType)
