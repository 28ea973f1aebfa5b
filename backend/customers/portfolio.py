"""Portfolio scoping: the one place that decides which customers a user may see.

Every query of customer data goes through customer_scope() (or require_visible(), built on it).
"""

from dataclasses import dataclass

from sqlalchemy import Select, false, select
from sqlalchemy.sql.elements import ColumnElement

from backend.auth.models import User
from backend.customers.models import Customer
from backend.errors import Forbidden, NotFound
from backend.extensions import db

ROLES_WITH_CUSTOMER_DATA = {"rm", "lead"}


@dataclass(frozen=True)
class Viewer:
    """What scoping needs to know of a user; unlike the ORM user, it survives commits."""

    id: int
    role: str
    team_id: int | None

    @classmethod
    def of(cls, user: User) -> "Viewer":
        return cls(id=user.id, role=user.role, team_id=user.team_id)


def require_customer_access(user: User | Viewer) -> None:
    """Refuse users whose role sees no customer-level data (analyst, referrer, admin)."""
    if user.role not in ROLES_WITH_CUSTOMER_DATA:
        raise Forbidden("Your role has no access to customer records")


def visible_staff(user: User | Viewer, *, role: str | None = None) -> Select:
    """The ids of the staff whose work the user sees (their plans, leave, referrals,
    requests): a lead's team, themself included; anyone else only themself. `role` keeps
    those of one role."""
    if user.role == "lead" and user.team_id is not None:
        query = select(User.id).where(User.team_id == user.team_id)
    else:
        query = select(User.id).where(User.id == user.id)
    return query.where(User.role == role) if role else query


def team_leads(user: User | Viewer) -> list[User]:
    """The active leads of the user's team (none without a team): whom to alert or ask."""
    if user.team_id is None:
        return []
    return list(db.session.scalars(select(User).where(
        User.team_id == user.team_id, User.role == "lead", User.is_active_user)
        .order_by(User.id)))


def customer_scope(user: User | Viewer) -> ColumnElement[bool]:
    """Return the WHERE clause limiting Customer rows to the user's portfolio."""
    if user.role == "rm":
        return Customer.rm_id == user.id
    if user.role == "lead" and user.team_id is not None:
        return Customer.rm_id.in_(visible_staff(user))
    return false()


NOT_IN_PORTFOLIO = "No such customer in your portfolio"


def is_visible(user: User | Viewer, customer_id: int | None) -> bool:
    """Whether the customer is in the user's portfolio, without loading it (None: no)."""
    if customer_id is None:
        return False
    query = select(Customer.id).where(Customer.id == customer_id, customer_scope(user))
    return db.session.scalar(query) is not None


def require_visible(user: User | Viewer, customer_id: int | None,
                    not_found: str = NOT_IN_PORTFOLIO) -> int:
    """Check the customer is in the user's portfolio without loading it; return its id.

    A record that hangs off a customer (a moment, a plan entry, a quote) passes its
    customer's id, or None when there is no such record, and its own not-found message:
    another portfolio's record then answers exactly as a missing one, so the answer never
    tells which ids exist. The role is checked first for the same reason.
    """
    require_customer_access(user)
    if not is_visible(user, customer_id):
        raise NotFound(not_found)
    return customer_id
