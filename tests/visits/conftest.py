"""Shared by the sync tests: two teams, products, and a customer of each RM."""

import pytest

from backend.extensions import db
from tests import factories


@pytest.fixture
def world(app):
    people = factories.two_teams()
    factories.product("CUR")
    factories.product("WCL", family="loan", is_credit=True)
    mine = factories.customer(people["rm_a"], external_id="MINE")
    teammate = factories.customer(people["rm_a2"], external_id="TEAM")
    other = factories.customer(people["rm_b"], external_id="OTHER")
    db.session.commit()
    return {**people, "mine": mine, "teammate": teammate, "other": other}
