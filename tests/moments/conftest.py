"""Shared by the detector tests: a team with an RM and a lead, and three products."""

import pytest

from tests import factories as f


@pytest.fixture
def world():
    team = f.team("A")
    rm = f.user("rm_a", "rm", team)
    lead = f.user("lead_a", "lead", team)
    return {"rm": rm, "lead": lead, "deposit": f.product("CUR", family="deposit"),
            "td": f.product("TD", family="deposit", name_en="Term deposit"),
            "loan": f.product("WCL", family="loan", is_credit=True, name_en="Credit line")}
