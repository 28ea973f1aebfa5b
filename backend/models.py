"""Import every domain's models so metadata (and Alembic) sees the whole schema."""

from backend.auth.models import AuditEvent, AuthSession, LoginAttempt, Team, User  # noqa: F401
from backend.calendar.models import PlanEntry  # noqa: F401
from backend.customers.models import (  # noqa: F401
    Account,
    ContactPolicy,
    Customer,
    RelatedParty,
    Transaction,
)
from backend.messages.models import OutboundMessage  # noqa: F401
from backend.moments.models import KeyMoment, RiskCase  # noqa: F401
from backend.offers.models import (
    Offer,  # noqa: F401
    PriceQuote,  # noqa: F401
)
from backend.products.models import Package, Product  # noqa: F401
from backend.push.models import Notification, PushSubscription  # noqa: F401
from backend.referrals.models import Referral  # noqa: F401
from backend.reports.models import ReportSnapshot  # noqa: F401
from backend.scoring.models import (  # noqa: F401
    Experiment,
    ExperimentAssignment,
    ModelVersion,
    Score,
)
from backend.sync import SyncWrite  # noqa: F401
from backend.visits.models import Interaction, Survey  # noqa: F401
from backend.workdays import CalendarDay, Leave  # noqa: F401
