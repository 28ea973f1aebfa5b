"""API fuzzing: Schemathesis generates requests for every operation in the OpenAPI spec,
valid and invalid, sent signed in (as an RM, with the CSRF token), and checks that no
answer is a server error and that every answer matches the schema it documents.

A bounded run (FUZZ_EXAMPLES per operation, default 15) is part of `make test`; the long
run is `FUZZ_EXAMPLES=300 pytest tests/fuzz` (part of `make bench`).

Query parameters at their extremes: a bounded parameter carries its bounds in the spec
(minimum/maximum, or x-minimum/x-maximum for days and months: backend/api_fields.py).
Left to itself the generator stays inside them, or sends random digits that almost never
make year 1 or 9999, which is where `/plan?date=9999-12-31` and `/reports/rm?month=0001-01`
were 500s (issue 16). So each such parameter is sent its extremes (the bounds, a step
outside each, years 1, 0 and 9999, garbage): mixed into the generated queries by a
`flatmap_query` hook, and once each for certain, through the same checks.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 15))
# Logging out ends the fuzzing session; it is tested by tests/auth.
SKIPPED = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


KEEP = object()  # the generated value stays


def extremes(schema: dict) -> list:
    """The values a bounded query parameter is also sent, from the bounds in its schema."""
    low = schema.get("minimum", schema.get("x-minimum"))
    high = schema.get("maximum", schema.get("x-maximum"))
    if low is None or high is None:
        return []
    if isinstance(low, int) and isinstance(high, int):
        values = [low, high, low - 1, high + 1, 0, 9999]
    else:  # a day or a month: its bounds, and them with the year a step outside or at an end
        years = (int(low[:4]) - 1, int(high[:4]) + 1, 1, 0, 9999)
        values = [low, high, *(f"{year:04d}{bound[4:]}" for year in years
                               for bound in (low, high))]
    return list(dict.fromkeys([*values, "garbage"]))


def bounded_query(operation) -> dict[str, list]:
    found = {p.name: extremes(p.definition.get("schema", {})) for p in operation.query}
    return {name: values for name, values in found.items() if values}


def load_schema(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    @schema.hook
    def flatmap_query(context, query):
        choices = bounded_query(context.operation)
        if not choices:
            return st.just(query)
        picks = st.fixed_dictionaries({name: st.sampled_from([KEEP, *values])
                                       for name, values in choices.items()})
        return picks.map(lambda picked: {**(query or {}), **{
            name: value for name, value in picked.items() if value is not KEEP}})

    return schema


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
    schema = load_schema(app)
    failures, tried, sent, extreme, bounded = [], 0, 0, 0, set()
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

        # each extreme once for certain: the random draws above may miss some
        path_parameters = {p.name: 1 for p in operation.path_parameters}
        for name, values in bounded_query(operation).items():
            bounded.add((operation.path, name))
            for value in values:
                case = operation.Case(query={name: value}, path_parameters=path_parameters)
                extreme += 1
                try:
                    response = case.call(headers=signed_in["headers"],
                                         cookies=signed_in["cookies"])
                    case.validate_response(
                        response, checks=[not_a_server_error, response_schema_conformance])
                except (Exception, BaseExceptionGroup) as exc:
                    failures.append(f"{operation.method.upper()} {operation.path}?{name}="
                                    f"{value}: {exc}")
    # with -s (make bench) the long run says how much it tried; Hypothesis stops early on
    # operations with few distinct inputs
    print(f"\nfuzzed {tried} operations with {sent:,} requests (at most {EXAMPLES} examples "
          f"each) and {extreme} extremes of bounded query parameters, {len(failures)} failing")
    assert tried > 50
    assert {("/api/v1/plan", "date"), ("/api/v1/reports/rm", "month"),
            ("/api/v1/calendar/days", "year")} <= bounded
    assert not failures, "\n\n".join(failures)
