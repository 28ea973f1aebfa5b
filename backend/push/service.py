"""Notifications to users: written to the in-app inbox now, delivered by Web Push when on."""

from backend.auth.models import User
from backend.extensions import db
from backend.push.models import Notification


def notify(user: User, *, kind: str, texts: dict[str, tuple[str, str]], url: str,
           urgency: str = "normal", detail: dict | None = None) -> Notification:
    """Queue one notification in the user's language; texts: {"zh": (title, body), "en": ...}.

    The caller's transaction commits it, so a notification exists only if what it tells of
    does.
    """
    title, body = texts["en"] if user.locale.startswith("en") else texts["zh"]
    note = Notification(user_id=user.id, kind=kind, title=title[:200], body=body[:1000],
                        url=url, urgency=urgency, status="queued", attempts=0, detail=detail)
    db.session.add(note)
    return note
