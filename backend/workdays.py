"""Working days: Monday to Friday, except the holidays and make-up working days in
`calendar_days` (mainland China moves weekends around its public holidays), and each
user's leave. One place answers "is this a working day" for the planner and the detectors.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from backend.extensions import db


class CalendarDay(db.Model):
    """An exception to Monday-Friday: a public holiday, or a weekend made a working day."""

    __tablename__ = "calendar_days"
    day: Mapped[date] = mapped_column(primary_key=True)
    working: Mapped[bool]
    name: Mapped[str] = mapped_column(String(100))


class Leave(db.Model):
    __tablename__ = "leaves"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="leave_ordered"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))


@dataclass(frozen=True)
class WorkCalendar:
    exceptions: dict[date, bool] = field(default_factory=dict)  # day -> working?

    @classmethod
    def load(cls, since: date | None = None, until: date | None = None) -> "WorkCalendar":
        """The exceptions (all, or those between since and until: enough for a short look)."""
        query = select(CalendarDay.day, CalendarDay.working)
        if since is not None:
            query = query.where(CalendarDay.day >= since)
        if until is not None:
            query = query.where(CalendarDay.day <= until)
        return cls({day: working for day, working in db.session.execute(query)})

    def is_working(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def on_or_before(self, day: date) -> date:
        """The last working day on or before `day` (a Saturday maturity is handled on Friday)."""
        while not self.is_working(day):
            day -= timedelta(days=1)
        return day

    def on_or_after(self, day: date) -> date:
        while not self.is_working(day):
            day += timedelta(days=1)
        return day

    def working_days(self, start: date, count: int) -> list[date]:
        """The first `count` working days from `start` (inclusive)."""
        return list(_take(self._from(start), count))

    def _from(self, day: date) -> Iterator[date]:
        while True:
            if self.is_working(day):
                yield day
            day += timedelta(days=1)


def _take(days: Iterable[date], count: int) -> Iterator[date]:
    for n, day in enumerate(days):
        if n >= count:
            return
        yield day


def leave_days(user_ids: Iterable[int], start: date, end: date) -> dict[int, set[date]]:
    """Days each user is on leave between start and end (inclusive)."""
    ids = list(user_ids)
    out: dict[int, set[date]] = {uid: set() for uid in ids}
    if not ids:
        return out
    rows = db.session.execute(
        select(Leave.user_id, Leave.starts_on, Leave.ends_on)
        .where(Leave.user_id.in_(ids), Leave.starts_on <= end, Leave.ends_on >= start)).all()
    for uid, first, last in rows:
        day = max(first, start)
        while day <= min(last, end):
            out[uid].add(day)
            day += timedelta(days=1)
    return out


OPENS, CLOSES = time(9, 0), time(17, 30)
BUSINESS_DAY_MINUTES = 510


def add_business_minutes(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    """`start` (aware, in the bank's zone) plus `minutes` of business time: 09:00-17:30 on
    working days. A start outside business hours counts from the next opening."""
    moment = start
    while True:
        day_opens = moment.replace(hour=OPENS.hour, minute=OPENS.minute, second=0,
                                   microsecond=0)
        day_closes = moment.replace(hour=CLOSES.hour, minute=CLOSES.minute, second=0,
                                    microsecond=0)
        if not cal.is_working(moment.date()) or moment >= day_closes:
            moment = (day_opens + timedelta(days=1))
            continue
        moment = max(moment, day_opens)
        room = int((day_closes - moment).total_seconds() // 60)
        if minutes <= room:
            return moment + timedelta(minutes=minutes)
        minutes -= room
        moment = day_opens + timedelta(days=1)
