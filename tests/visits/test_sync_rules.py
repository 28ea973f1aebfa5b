"""Rules of the offline sync a bank relies on, each written so that breaking the rule fails
it (docs/sync.md): what counts as the same write, whose client id it is, a resend after
the customer changed hands, and two devices racing the same write."""

import hashlib

import pytest
from sqlalchemy import select

from backend import sync as sync_module
from backend.customers.models import Customer
from backend.customers.portfolio import Viewer
from backend.errors import Invalid
from backend.extensions import db
from backend.inputs import problem
from backend.sync import SyncWrite
from backend.visits.models import Interaction
from tests.visits.test_sync import count, sync, visit, write


def test_the_same_body_under_another_base_version_is_not_the_same_write(api, world):
    rm = api("rm_a")
    original = write(visit(world["mine"].id))
    sync(rm, original)
    edit = write(visit(world["mine"].id, notes="edited", replaces=original["client_id"]),
                 base_version=1)
    [first] = sync(rm, edit)
    assert first["status"] == "created" and first["version"] == 2
    [other_base] = sync(rm, {**edit, "base_version": 2})
    assert other_base["status"] == "conflict"
    assert other_base["error"]["fields"] == {"client_id": ["Reused with a different body."]}


def test_the_same_body_under_another_kind_is_not_the_same_write(api, world):
    rm = api("rm_a")
    w = write(visit(world["mine"].id))
    sync(rm, w)
    [again] = sync(rm, {**w, "kind": "offer_feedback"})
    assert again["status"] == "conflict"
    assert count(Interaction) == 1


def test_a_client_id_used_by_another_user_is_a_conflict_that_tells_nothing(api, world):
    w = write(visit(world["mine"].id, notes="private words"))
    sync(api("rm_a"), w)
    other = write(visit(world["other"].id), client_id=w["client_id"])
    [answer] = sync(api("rm_b"), other)
    assert answer["status"] == "conflict"
    assert "private words" not in str(answer) and "server" not in answer
    assert answer["error"]["fields"] == {}
    assert count(Interaction) == 1


def test_a_stored_write_is_answered_as_stored_even_after_the_customer_changed_hands(api, world):
    """The ledger answers a resend; the write is not applied (nor judged) again."""
    rm = api("rm_a")
    w = write(visit(world["mine"].id))
    [first] = sync(rm, w)
    customer = db.session.get(Customer, world["mine"].id)
    customer.rm_id = world["rm_b"].id  # handed to another RM after the visit
    db.session.commit()
    [again] = sync(rm, w)
    assert again == {**first, "status": "duplicate"}
    [new] = sync(rm, write(visit(world["mine"].id)))
    assert new["status"] == "forbidden"  # while a new write is judged as of now


def test_two_devices_racing_the_same_write_one_created_one_duplicate(app, world, monkeypatch):
    """The second request looked in the ledger before the first committed: the database's
    unique constraint refuses its copy, and it is answered as the first was."""
    rm = Viewer.of(world["rm_a"])
    w = write(visit(world["mine"].id))
    [first] = sync_module.process(user=world["rm_a"], writes=[w])
    assert first["status"] == "created"
    looked = []
    real = sync_module._answer_for_seen

    def not_there_yet(*args):
        looked.append(1)
        return None if len(looked) == 1 else real(*args)  # the race: the first look misses

    monkeypatch.setattr(sync_module, "_answer_for_seen", not_there_yet)
    second = sync_module._process_one(rm, w)
    assert second == {**first, "status": "duplicate"}
    assert count(Interaction) == 1 and count(SyncWrite) == 1
    changed = write(visit(world["mine"].id, notes="other words"), client_id=w["client_id"])
    looked.clear()
    assert sync_module._process_one(rm, changed)["status"] == "conflict"


@pytest.mark.parametrize("writes", ["not a list", [{}] * 501])
def test_process_refuses_a_batch_that_is_no_list_or_too_long(app, world, writes):
    with pytest.raises(Invalid) as caught:
        sync_module.process(user=world["rm_a"], writes=writes)
    assert "writes" in caught.value.fields
    assert count(SyncWrite) == 0


def test_process_takes_a_batch_of_exactly_the_limit(app, world):
    writes = [write(visit(world["mine"].id, notes=f"n{i}")) for i in range(sync_module.MAX_WRITES)]
    results = sync_module.process(user=world["rm_a"], writes=writes)
    assert len(results) == sync_module.MAX_WRITES
    assert {r["status"] for r in results} == {"created"}


# --------------------------------------------------------------------------- the ledger's format


def test_the_same_body_with_its_keys_in_another_order_is_the_same_write(api, world):
    rm = api("rm_a")
    w = write(visit(world["mine"].id))
    [first] = sync(rm, w)
    reordered = {**w, "body": dict(reversed(list(w["body"].items())))}
    [again] = sync(rm, reordered)
    assert again == {**first, "status": "duplicate"}


def test_the_fingerprint_is_a_stored_format_that_never_changes():
    """The ledger keeps each write's fingerprint: computed another way after an upgrade, every
    resend of a write stored before it would be answered as a conflict."""
    body = {"notes": "店里生意不错", "customer_id": 7, "amount": None}
    # keys sorted, no spaces, text as UTF-8 (not \u escapes)
    canonical = ('{"base_version":null,"body":{"amount":null,"customer_id":7,'
                 '"notes":"店里生意不错"},"kind":"interaction"}')
    assert sync_module.fingerprint("interaction", body, None) == hashlib.sha256(
        canonical.encode()).hexdigest()
    assert sync_module.fingerprint("interaction", body, 3) != sync_module.fingerprint(
        "interaction", body, None)


def test_the_ledger_keeps_the_version_an_edit_was_based_on(api, world):
    rm = api("rm_a")
    original = write(visit(world["mine"].id))
    sync(rm, original)
    edit = write(visit(world["mine"].id, notes="edited", replaces=original["client_id"]),
                 base_version=1)
    sync(rm, edit)
    stored = {row.client_id: row for row in db.session.scalars(select(SyncWrite))}
    assert stored[original["client_id"]].base_version is None
    assert stored[edit["client_id"]].base_version == 1
    assert stored[edit["client_id"]].created_at is not None


# --------------------------------------------------------------------------- what each answer says


def test_a_stale_edit_says_the_visit_changed(api, world):
    rm = api("rm_a")
    original = write(visit(world["mine"].id))
    sync(rm, original)
    sync(rm, write(visit(world["mine"].id, notes="first edit", replaces=original["client_id"]),
                   base_version=1))
    [stale] = sync(rm, write(visit(world["mine"].id, notes="second device",
                                   replaces=original["client_id"]), base_version=1))
    assert stale["status"] == "conflict"
    assert stale["error"] == {"message": "The visit changed since this edit was made",
                              "fields": {"base_version": ["Stale."]}}
    assert stale["server"]["notes"] == "first edit"


def test_each_refusal_names_its_write_and_says_why(api, world):
    rm = api("rm_a")
    bad_body = write(visit(world["mine"].id, outcome="teleported"))
    unknown_product = write(visit(world["mine"].id,
                                  products_discussed=[{"product_code": "NOPE",
                                                       "answer": "interested"}]))
    not_mine = write(visit(world["other"].id))
    answers = sync(rm, bad_body, unknown_product, not_mine)
    assert [(a["client_id"], a["status"]) for a in answers] == [
        (bad_body["client_id"], "invalid"), (unknown_product["client_id"], "invalid"),
        (not_mine["client_id"], "forbidden")]
    assert answers[0]["error"]["message"] == "Invalid body"
    assert list(answers[0]["error"]["fields"]) == ["outcome"]
    assert answers[1]["error"] == {"message": "Unknown products", "fields": {
        "products_discussed": ["Unknown product code: NOPE"]}}
    assert answers[2]["error"] == {"message": "Not a customer of your portfolio", "fields": {}}


def test_an_error_inside_a_list_is_named_by_its_place(api, world):
    [answer] = sync(api("rm_a"), write(visit(world["mine"].id,
                                             products_discussed=[{"answer": "interested"}])))
    assert answer["status"] == "invalid"
    assert answer["error"]["fields"]["products_discussed"] == [
        {"0": {"product_code": ["Missing data for required field."]}}]


def test_a_write_that_is_no_object_is_answered_on_its_own(app, world):
    [answer] = sync_module.process(user=world["rm_a"], writes=["a visit, in words"])
    assert answer == {"client_id": None, "status": "invalid", "error": {
        "message": "A write must be an object", "fields": {"_write": ["Must be an object."]}}}


def test_text_that_is_no_text_refuses_the_write_before_anything_reads_it(app, world):
    w = write(visit(world["mine"].id, notes="half a character \ud800"))
    [answer] = sync_module.process(user=world["rm_a"], writes=[w])
    assert answer["status"] == "invalid"
    assert answer["error"]["message"] == "Invalid write"
    assert list(answer["error"]["fields"]) == ["notes"]
    assert count(SyncWrite) == 0


def test_a_client_id_that_is_no_uuid_says_what_it_must_be(api, world):
    [answer] = sync(api("rm_a"), {**write(visit(world["mine"].id)), "client_id": "visit-1"})
    assert answer["error"] == {"message": "Invalid write",
                               "fields": {"client_id": ["Must be a UUID."]}}


def test_what_a_conflict_over_a_client_id_says(api, world):
    rm = api("rm_a")
    w = write(visit(world["mine"].id))
    sync(rm, w)
    [reused] = sync(rm, {**w, "body": visit(world["mine"].id, notes="other words")})
    assert (reused["client_id"], reused["status"]) == (w["client_id"], "conflict")
    assert reused["error"] == {"message": "This client id was already used with another body",
                               "fields": {"client_id": ["Reused with a different body."]}}
    [theirs] = sync(api("rm_b"), write(visit(world["other"].id), client_id=w["client_id"]))
    assert theirs == {"client_id": w["client_id"], "status": "conflict", "error": {
        "message": "This client id was used by someone else", "fields": {}}}


def test_a_stale_edit_is_answered_under_its_own_client_id(api, world):
    rm = api("rm_a")
    original = write(visit(world["mine"].id))
    sync(rm, original)
    sync(rm, write(visit(world["mine"].id, notes="first", replaces=original["client_id"]),
                   base_version=1))
    late = write(visit(world["mine"].id, notes="late", replaces=original["client_id"]),
                 base_version=1)
    [answer] = sync(rm, late)
    assert (answer["client_id"], answer["status"]) == (late["client_id"], "conflict")


def test_racing_writes_with_different_bodies_show_both_versions(app, world, monkeypatch):
    """The race of the test above, with another body: the answer shows the stored version
    and the device's, as a conflict found at once does."""
    rm = Viewer.of(world["rm_a"])
    w = write(visit(world["mine"].id))
    sync_module.process(user=world["rm_a"], writes=[w])
    real, looked = sync_module._answer_for_seen, []

    def not_there_yet(*args):
        looked.append(1)
        return None if len(looked) == 1 else real(*args)

    monkeypatch.setattr(sync_module, "_answer_for_seen", not_there_yet)
    changed = write(visit(world["mine"].id, notes="other words"), client_id=w["client_id"])
    answer = sync_module._process_one(rm, changed)
    assert answer["status"] == "conflict"
    assert answer["server"] == w["body"] and answer["client"] == changed["body"]


def test_a_write_that_breaks_a_database_rule_is_refused_whole(api, world):
    """The ledger lost a visit's row (restored from an older backup): its resend creates a
    second visit with the same client id, which the database refuses; nothing is half
    written and the device is told it will never go through."""
    rm = api("rm_a")
    w = write(visit(world["mine"].id))
    sync(rm, w)
    db.session.execute(SyncWrite.__table__.delete())
    db.session.commit()
    [answer] = sync(rm, w)
    assert answer == {"client_id": w["client_id"], "status": "invalid", "error": {
        "message": "The write breaks a database rule", "fields": {}}}
    assert count(Interaction) == 1 and count(SyncWrite) == 0


@pytest.mark.parametrize(("bad", "fields"), [
    ({"kind": "teleport"},
     {"kind": ["Must be one of: interaction, offer_feedback, plan_entry_state."]}),
    ({"body": ["not", "an", "object"]}, {"body": ["Must be an object."]}),
    ({"base_version": 0}, {"base_version": ["Must be a positive integer."]}),
    ({"extra": 1}, {"extra": ["Unknown field."]}),
])
def test_a_bad_envelope_is_answered_under_its_client_id_saying_what_is_wrong(
        api, world, bad, fields):
    """The outbox finds the write by its client id and shows the RM why it is stuck."""
    w = {**write(visit(world["mine"].id)), **bad}
    [answer] = sync(api("rm_a"), w)
    assert answer == {"client_id": w["client_id"], "status": "invalid",
                      "error": {"message": "Invalid write", "fields": fields}}


def test_text_that_is_no_text_in_the_envelope_is_named_by_its_field(app, world):
    w = {**write(visit(world["mine"].id)), "client_id": "\ud800"}
    [answer] = sync_module.process(user=world["rm_a"], writes=[w])
    assert answer["error"] == {"message": "Invalid write",
                               "fields": {"client_id": [problem("\ud800")]}}


def test_text_that_is_no_text_in_a_body_that_is_no_object_is_named_by_its_place(app, world):
    w = {**write(visit(world["mine"].id)), "body": ["fine", "\ud800"]}
    [answer] = sync_module.process(user=world["rm_a"], writes=[w])
    assert answer["error"] == {"message": "Invalid write",
                               "fields": {"body.1": [problem("\ud800")]}}


def test_a_batch_that_is_no_list_is_refused_as_a_bad_batch(app, world):
    with pytest.raises(Invalid) as caught:
        sync_module.process(user=world["rm_a"], writes={"client_id": "x"})
    assert caught.value.message == "Bad batch"
