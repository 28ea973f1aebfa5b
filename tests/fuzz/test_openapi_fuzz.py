"""API fuzzing: Schemathesis generates requests for every operation in the OpenAPI spec,
valid and invalid, sent signed in (as an RM, with the CSRF token), and checks that no
answer is a server error and that every answer matches the schema it documents.

A bounded run (FUZZ_EXAMPLES per operation, default 15) is part of `make test`; the long
run is `FUZZ_EXAMPLES=300 pytest tests/fuzz` (part of `make bench`).
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 15))
# Logging out ends the fuzzing session; it is tested by tests/auth.
SKIPPED = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


@pytest.fixture
def signed_in(app, api):
    """A small bank and an RM's session cookie and CSRF token for the generated requests."""
    people = factories.two_teams()
    for _ in range(3):
        factories.customer(people["rm_a"])
    factories.customer(people["rm_b"])
    from backend.extensions import db

    db.session.commit()
    client = api("rm_a")
    cookie = client.http.get_cookie("session")
    # identity: the in-process WSGI call does not undo Flask-Compress's br/gzip
    return {"headers": {"X-CSRF-Token": client.csrf, "Accept-Encoding": "identity"},
            "cookies": {"session": cookie.value}}


def test_no_server_error_and_every_answer_matches_its_schema(app, signed_in):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, tried, sent = [], 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            nonlocal sent
            sent += 1
            response = case.call(headers=signed_in["headers"], cookies=signed_in["cookies"])
            case.validate_response(response,
                                   checks=[not_a_server_error, response_schema_conformance])

        try:
            exercise()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, not the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
        tried += 1
    # with -s (make bench) the long run says how much it tried; Hypothesis stops early on
    # operations with few distinct inputs
    print(f"\nfuzzed {tried} operations with {sent:,} requests (at most {EXAMPLES} examples "
          f"each), {len(failures)} failing")
    assert tried > 50
    assert not failures, "\n\n".join(failures)
