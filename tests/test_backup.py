"""`flask backup` and `flask restore`: a restored database holds exactly what was backed up."""

import pytest
from sqlalchemy import select

from backend.customers.models import Customer
from backend.extensions import db
from backend.visits.models import Interaction
from tests import factories


def contents() -> dict:
    db.session.expire_all()
    return {"customers": sorted(db.session.execute(
                select(Customer.id, Customer.name, Customer.rm_id)).all()),
            "interactions": sorted(db.session.execute(
                select(Interaction.id, Interaction.client_id, Interaction.notes)).all())}


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite backups; PostgreSQL uses pg_dump")


def test_backup_then_restore_gives_back_the_same_rows(app, sqlite_only, tmp_path):
    people = factories.two_teams()
    kept = factories.customer(people["rm_a"], name="杭州恒丰五金")
    factories.interaction(people["rm_a"], kept, notes="谈了贷款续期")
    db.session.commit()
    before = contents()
    runner = app.test_cli_runner()
    target = tmp_path / "backup.db"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "checked" in result.output
    # the database moves on after the backup
    factories.customer(people["rm_b"], name="新客户")
    db.session.delete(db.session.get(Interaction, before["interactions"][0][0]))
    db.session.commit()
    assert contents() != before
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code == 0, result.output
    assert contents() == before


def test_backup_refuses_to_overwrite_and_restore_refuses_a_bad_file(app, sqlite_only, tmp_path):
    runner = app.test_cli_runner()
    existing = tmp_path / "there.db"
    existing.write_bytes(b"")
    assert runner.invoke(args=["backup", str(existing)]).exit_code != 0
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code == 1 and "not a sound RM Companion database" in result.output


def test_postgresql_points_to_pg_dump(app, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL run checks this")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.db")])
    assert result.exit_code != 0 and "pg_dump" in result.output
