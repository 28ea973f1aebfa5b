"""Post-contact satisfaction surveys: sample, send the link, take the answer, sum up.

A sampled share of contacts that reached the customer gets a one-question survey
(a 1–5 score and a comment) by SMS or e-mail; the answers make each RM's
satisfaction index (DESIGN §2.12). See docs/surveys.md.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Float, bindparam, cast, func, select, update

from backend import texts
from backend.auth.models import User
from backend.customers.models import Customer
from backend.errors import Conflict, Gone, Invalid, NotFound
from backend.extensions import db
from backend.messages import service as messages_service
from backend.models_base import utcnow
from backend.visits.models import Interaction, Survey

SCORES = range(1, 6)
COMMENT_MAX = 1000
# secrets.token_urlsafe(24) gives 32 characters; anything else is not one of ours.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")


def sampled(client_id: str, rate: float) -> bool:
    """Tell whether this interaction falls in the sample: a stable hash of its client id."""
    digest = hashlib.sha256(f"survey:{client_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def after_interaction(interaction: Interaction) -> Survey | None:
    """Create and queue a survey for a newly logged contact when it is sampled; caller commits."""
    config = current_app.config
    if interaction.outcome == "not_reached" or interaction.replaces_id is not None:
        return None  # nobody to ask, or an edit of a contact already considered
    if not sampled(interaction.client_id, config["SURVEY_SAMPLE_RATE"]):
        return None
    customer = db.session.get(Customer, interaction.customer_id)
    if customer is None or customer.status == "closed":
        return None
    channel, address = _reachable(customer)
    if channel is None:
        return None
    now = utcnow()
    window_start = now - timedelta(days=config["SURVEY_MIN_DAYS"])
    recent = db.session.scalar(
        select(Survey.id).where(Survey.customer_id == customer.id,
                                Survey.created_at >= window_start).limit(1))
    if recent is not None:
        return None
    survey = Survey(token=secrets.token_urlsafe(24), interaction_id=interaction.id,
                    customer_id=customer.id, rm_id=interaction.rm_id, created_at=now,
                    expires_at=now + timedelta(days=config["SURVEY_TTL_DAYS"]),
                    sent_at=now)  # handed to the outbox; `flask messages send` delivers it
    db.session.add(survey)
    lang = texts.customer_language()
    subject, body = _link_message(survey.token, lang)
    messages_service.queue(customer_id=customer.id, channel=channel, to_address=address,
                           subject=subject if channel == "email" else None, body=body,
                           purpose="survey")
    db.session.flush()
    return survey


def _reachable(customer: Customer) -> tuple[str | None, str | None]:
    """Pick SMS when the customer has a phone and allows it, else e-mail, else nothing."""
    if customer.phone and customer.consent_phone:
        return "sms", customer.phone
    if customer.email and customer.consent_email:
        return "email", customer.email
    return None, None


def _link_message(token: str, lang: str) -> tuple[str, str]:
    config = current_app.config
    url = f"{config['PUBLIC_BASE_URL']}/s/{token}" + ("?lang=en" if lang == "en" else "")
    return texts.message("survey_link", lang, url=url, days=config["SURVEY_TTL_DAYS"])


def first_name(display_name: str | None) -> str:
    """Return only the given name: 'Anna Smith' -> 'Anna', '张伟' -> '伟'."""
    name = (display_name or "").strip()
    if not name:
        return ""
    if " " in name:
        return name.split()[0]
    # Chinese names put the (usually one-character) family name first.
    return name[1:] if 2 <= len(name) <= 3 else name[2:] if len(name) == 4 else name


def open_survey(token: str) -> dict:
    """Return what the survey page shows (bank and RM first name only), if it can be answered."""
    survey = _find(token)
    _check_open(survey, utcnow())
    rm_name = db.session.scalar(select(User.display_name).where(User.id == survey.rm_id))
    return {"rm_first_name": first_name(rm_name)}


def answer(*, token: str, score, comment: str | None) -> Survey:
    """Save the one answer a survey accepts and commit it."""
    survey = _find(token)
    now = utcnow()
    _check_open(survey, now)
    score = _valid_score(score)
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise Invalid(f"The comment is longer than {COMMENT_MAX} characters",
                      {"comment": [f"At most {COMMENT_MAX} characters."]})
    # Conditional update: of two answers racing, exactly one finds the survey open.
    saved = db.session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.answered_at.is_(None), Survey.expires_at > now)
        .values(score=score, comment=comment, answered_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if saved != 1:
        db.session.rollback()
        _check_open(db.session.get(Survey, survey.id), now)
    db.session.commit()
    return survey


def _find(token: str) -> Survey:
    survey = None
    if isinstance(token, str) and TOKEN_PATTERN.fullmatch(token):
        survey = db.session.scalar(select(Survey).where(Survey.token == token))
    if survey is None:
        raise NotFound("No such survey")
    return survey


def _check_open(survey: Survey, now: datetime) -> None:
    if survey.answered_at is not None:
        raise Conflict("This survey has already been answered")
    if survey.expires_at <= now:
        raise Gone("This survey has expired")


def _valid_score(score) -> int:
    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        value = None
    if value not in SCORES:
        raise Invalid("The score must be a whole number from 1 to 5",
                      {"score": ["A whole number from 1 to 5."]})
    return value


# Built once: part of every 360 card
_CUSTOMER_ANSWERS = select(func.count(Survey.id), func.avg(cast(Survey.score, Float))).where(
    Survey.customer_id == bindparam("customer_id"), Survey.answered_at.is_not(None),
    Survey.score.is_not(None))


def customer_satisfaction(customer_id: int) -> dict:
    """Count a customer's answers and average their scores in one query (see summary())."""
    return summary(*db.session.connection().execute(
        _CUSTOMER_ANSWERS, {"customer_id": customer_id}).one())


def summary(responses: int, average: float | None) -> dict:
    """The satisfaction index of `responses` answers averaging `average`: 1 is 0, 5 is 100."""
    if not responses:
        return {"responses": 0, "average": None, "index": None}
    average = float(average)
    return {"responses": responses, "average": round(average, 2),
            "index": round((average - 1) / 4 * 100, 1)}
