"""Post-contact surveys: who is sampled, the public page, the outbox and the index."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.messages import service as messages_service
from backend.messages.models import OutboundMessage
from backend.models_base import utcnow
from backend.visits import surveys
from backend.visits.models import Survey
from tests import factories


@pytest.fixture
def always(app, monkeypatch):
    """Sample every contact, so a test can look at the other rules."""
    monkeypatch.setitem(app.config, "SURVEY_SAMPLE_RATE", 1.0)


@pytest.fixture
def outbox(app, monkeypatch, tmp_path):
    path = tmp_path / "outbox.jsonl"
    monkeypatch.setitem(app.config, "MESSAGE_ADAPTER", "file")
    monkeypatch.setitem(app.config, "MESSAGE_OUTBOX_FILE", str(path))
    return path


@pytest.fixture
def rm(app):
    return factories.user("rm_s", display_name="张伟")


def _customer(rm, **fields):
    fields.setdefault("phone", "13800000000")
    return factories.customer(rm, **fields)


def _survey(rm, customer=None, **fields) -> Survey:
    customer = customer or _customer(rm)
    interaction = factories.interaction(rm, customer)
    now = utcnow()
    row = Survey(token=fields.pop("token", None) or surveys.secrets.token_urlsafe(24),
                 interaction_id=interaction.id, customer_id=customer.id, rm_id=rm.id,
                 created_at=fields.pop("created_at", now),
                 expires_at=fields.pop("expires_at", now + timedelta(days=14)), **fields)
    db.session.add(row)
    db.session.commit()
    return row


# Sampling


def test_sampling_rate_is_the_configured_share(app, rm):
    # 1,000 contacts with 1,000 customers: about 200 surveys (binomial sd ~ 12.6).
    rows = [factories.interaction(rm, _customer(rm),
                                  client_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"s{i}")))
            for i in range(1000)]
    created = [s for s in map(surveys.after_interaction, rows) if s is not None]
    db.session.commit()
    assert 160 <= len(created) <= 240
    assert db.session.scalar(select(func.count(OutboundMessage.id))) == len(created)


def test_sampling_is_stable_per_interaction():
    ids = [str(uuid.uuid4()) for _ in range(200)]
    assert [surveys.sampled(i, 0.2) for i in ids] == [surveys.sampled(i, 0.2) for i in ids]
    assert not any(surveys.sampled(i, 0.0) for i in ids)
    assert all(surveys.sampled(i, 1.0) for i in ids)


def test_one_survey_per_customer_in_ninety_days(app, rm, always):
    customer = _customer(rm)
    first = surveys.after_interaction(factories.interaction(rm, customer))
    assert first is not None
    assert surveys.after_interaction(factories.interaction(rm, customer)) is None
    # Another customer is not held back by the first one's survey.
    assert surveys.after_interaction(factories.interaction(rm, _customer(rm))) is not None
    # Once the last survey is older than the window, the customer may be asked again.
    first.created_at = utcnow() - timedelta(days=91)
    db.session.flush()
    assert surveys.after_interaction(factories.interaction(rm, customer)) is not None


@pytest.mark.parametrize("outcome,fields", [
    ("not_reached", {}),
    ("reached", {"consent_phone": False, "consent_email": False, "email": "a@b.example"}),
    ("reached", {"phone": None, "email": None}),
    ("reached", {"phone": None, "email": "a@b.example", "consent_email": False}),
])
def test_no_survey_when_not_reached_or_no_consent_or_no_address(app, rm, always, outcome,
                                                                  fields):
    customer = _customer(rm, **fields)
    assert surveys.after_interaction(factories.interaction(rm, customer, outcome=outcome)) is None
    assert db.session.scalar(select(func.count(Survey.id))) == 0
    assert db.session.scalar(select(func.count(OutboundMessage.id))) == 0


def test_email_when_phone_is_not_allowed(app, rm, always):
    customer = _customer(rm, consent_phone=False, email="boss@shop.example")
    survey = surveys.after_interaction(factories.interaction(rm, customer, outcome="sale"))
    message = db.session.scalar(select(OutboundMessage))
    assert (message.channel, message.to_address) == ("email", "boss@shop.example")
    assert message.subject and survey.token in message.body


# The message and its delivery


def test_link_is_queued_in_chinese_and_delivered_by_the_file_adapter(app, rm, always, outbox):
    customer = _customer(rm)
    survey = surveys.after_interaction(factories.interaction(rm, customer))
    db.session.commit()
    assert len(survey.token) >= 32
    assert survey.expires_at - survey.created_at == timedelta(days=14)
    message = db.session.scalar(select(OutboundMessage))
    link = f"https://rm.example.test/s/{survey.token}"
    assert (message.channel, message.to_address, message.purpose, message.status) == (
        "sms", "13800000000", "survey", "queued")
    assert link in message.body and "满意" in message.body

    counts = messages_service.deliver_queued()

    assert counts == {"sent": 1, "failed": 0, "retry": 0}
    lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1 and link in lines[0]["body"] and lines[0]["to"] == "13800000000"
    db.session.expire_all()
    message = db.session.get(OutboundMessage, message.id)
    assert (message.status, message.attempts) == ("sent", 1) and message.sent_at is not None
    assert messages_service.deliver_queued() == {"sent": 0, "failed": 0, "retry": 0}


def test_failed_delivery_is_retried_then_given_up(app, rm, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_ADAPTER", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    messages_service.queue(customer_id=None, channel="sms", to_address="13800000000",
                           subject=None, body="hi", purpose="survey")
    db.session.commit()
    for _ in range(messages_service.MAX_ATTEMPTS):
        messages_service.deliver_queued()
    message = db.session.scalar(select(OutboundMessage))
    assert (message.status, message.attempts) == ("failed", messages_service.MAX_ATTEMPTS)
    assert "cannot send sms" in message.error


def test_cli_sends_the_queue(app, rm, outbox):
    messages_service.queue(customer_id=None, channel="sms", to_address="1", subject=None,
                           body="hello", purpose="survey")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["messages", "send"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert "hello" in outbox.read_text(encoding="utf-8")


# The public page


def test_page_in_chinese_by_default_names_bank_and_rm_first_name_only(client, rm):
    customer = _customer(rm, name="杭州恒丰五金有限公司")
    survey = _survey(rm, customer)
    response = client.get(f"/s/{survey.token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert 'lang="zh-CN"' in page and "示例银行" in page and "客户经理伟" in page
    assert "张伟" not in page and "杭州恒丰" not in page and "13800000000" not in page
    assert "<script" not in page and 'name="score"' in page and 'maxlength="1000"' in page
    assert 'href="?lang=en"' in page


@pytest.mark.parametrize("query,headers", [("?lang=en", {}), ("", {"Accept-Language": "en-GB"})])
def test_page_in_english(client, rm, query, headers):
    survey = _survey(rm)
    page = client.get(f"/s/{survey.token}{query}", headers=headers).get_data(as_text=True)
    assert 'lang="en"' in page and "Example Bank" in page and "Very satisfied" in page
    assert 'href="?lang=zh"' in page


def test_answer_is_saved_once(client, rm):
    survey = _survey(rm)
    response = client.post(f"/s/{survey.token}", data={"score": "4", "comment": " 很好 "})
    assert response.status_code == 200 and "感谢您的反馈" in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Survey, survey.id)
    assert (saved.score, saved.comment) == (4, "很好") and saved.answered_at is not None

    again = client.post(f"/s/{survey.token}?lang=en", data={"score": "1"})
    assert again.status_code == 409
    assert "already been answered" in again.get_data(as_text=True)
    assert client.get(f"/s/{survey.token}").status_code == 409
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).score == 4


def test_expired_survey_is_gone(client, rm):
    survey = _survey(rm, expires_at=utcnow() - timedelta(minutes=1))
    assert client.get(f"/s/{survey.token}").status_code == 410
    response = client.post(f"/s/{survey.token}?lang=en", data={"score": "5"})
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).answered_at is None


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_or_tampered_token_is_not_found(client, rm, method):
    survey = _survey(rm)
    tampered = survey.token[:-1] + ("A" if survey.token[-1] != "A" else "B")
    for token in (tampered, "x" * 32, "short", survey.token + "x"):
        response = getattr(client, method)(f"/s/{token}", data={"score": "5"})
        assert response.status_code == 404
        assert "找不到这份调查" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).answered_at is None


@pytest.mark.parametrize("data,field", [
    ({}, "Score:"), ({"score": "6"}, "Score:"), ({"score": "0"}, "Score:"),
    ({"score": "abc"}, "Score:"), ({"score": "2.5"}, "Score:"),
    ({"score": "3", "comment": "x" * 1001}, "Comment:"),
    ({"score": "3", "rm_id": "1"}, "fields we do not accept"),
])
def test_invalid_answer_is_400_naming_the_field(client, rm, data, field):
    survey = _survey(rm)
    response = client.post(f"/s/{survey.token}?lang=en", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert field in page and 'name="score"' in page
    db.session.expire_all()
    assert db.session.get(Survey, survey.id).answered_at is None


def test_json_body_is_not_an_answer(client, rm):
    survey = _survey(rm)
    response = client.post(f"/s/{survey.token}", json={"score": 5})
    assert response.status_code == 400


# The index


def test_satisfaction_index_by_hand(app, rm):
    customer, other = _customer(rm), _customer(rm)
    for score in (5, 4, 2):
        _survey(rm, customer, score=score, answered_at=utcnow())
    _survey(rm, customer)  # sent, never answered: not a response
    _survey(rm, other, score=1, answered_at=utcnow() - timedelta(days=40))

    # (5 + 4 + 2) / 3 = 3.67 -> (3.67 - 1) / 4 x 100 = 66.7
    assert surveys.customer_satisfaction(customer.id) == {"responses": 3, "average": 3.67,
                                                          "index": 66.7}
    assert surveys.customer_satisfaction(other.id) == {"responses": 1, "average": 1.0,
                                                       "index": 0.0}
    assert surveys.customer_satisfaction(_customer(rm).id) == {
        "responses": 0, "average": None, "index": None}
    assert surveys.summary(4, 3.0) == {"responses": 4, "average": 3.0, "index": 50.0}


def test_card_shows_the_customer_satisfaction(api, rm):
    customer = _customer(rm)
    _survey(rm, customer, score=5, answered_at=utcnow())
    _survey(rm, customer, score=4, answered_at=utcnow())
    body = api("rm_s").get(f"/api/v1/customers/{customer.id}").get_json()
    assert body["satisfaction"] == {"responses": 2, "average": 4.5, "index": 87.5}


def test_survey_token_is_unguessable(app, rm, always):
    tokens = {surveys.after_interaction(factories.interaction(rm, _customer(rm))).token
              for _ in range(20)}
    assert len(tokens) == 20
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", t) for t in tokens)
