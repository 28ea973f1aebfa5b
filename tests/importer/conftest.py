"""The bank the golden files refer to: RMs, products, and (for `bank`) customers and accounts."""

import shutil
from pathlib import Path

import pytest

from backend.extensions import db
from backend.importer import service as importer_service
from tests import factories

FILES = Path(__file__).parent / "files"


@pytest.fixture
def staged(tmp_path):
    """Copy a golden file into a temporary folder (the rejects file lands beside it)."""

    def stage(name: str) -> Path:
        return Path(shutil.copyfile(FILES / name, tmp_path / name))

    return stage


@pytest.fixture
def staff(app):
    """The users and products the golden files name: rm1, rm2, analyst1; CUR, TD, WCL."""
    factories.user("rm1")
    factories.user("rm2")
    factories.user("analyst1", role="analyst")
    factories.product("CUR")
    factories.product("TD")
    factories.product("WCL", family="loan", is_credit=True)
    db.session.commit()


@pytest.fixture
def bank(staff, staged):
    """The staff plus customers.csv and accounts.csv imported."""
    for kind in ("customers", "accounts"):
        summary = importer_service.import_file(kind, staged(f"{kind}.csv"))
        assert summary.rejected == 0, kind


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["import", *map(str, args)])

    return invoke
