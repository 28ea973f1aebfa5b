"""Faults: many writers at once on SQLite, a PostgreSQL connection dropped under the
pool, and a pipeline run killed with SIGKILL then rerun. (A server killed mid-sync is
tests/e2e/test_visits.py's chaos test; a lock holder that dies, tests/test_pipeline.py.)"""

import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from backend.extensions import db
from backend.visits.models import Interaction
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
WRITERS = 8
BATCHES = 10


@pytest.fixture
def world(app):
    people = factories.two_teams()
    customers = [factories.customer(people["rm_a"]) for _ in range(WRITERS)]
    db.session.commit()
    return {**people, "customers": customers}


def test_many_writers_at_once_never_see_database_is_locked(app, api_once, world):
    """Eight devices drain their outboxes at the same moment: every write is stored once."""
    rm = api_once("rm_a")  # one login; each thread sends its session cookie
    csrf, cookie = rm.csrf, rm.http.get_cookie("session").value

    def drain(customer_id: int) -> list[str]:
        http = app.test_client()
        http.set_cookie("session", cookie)
        statuses = []
        for _ in range(BATCHES):
            writes = [{"client_id": str(uuid.uuid4()), "kind": "interaction",
                       "body": {"customer_id": customer_id, "channel": "call",
                                "started_at": "2026-11-20T10:30:00+08:00",
                                "outcome": "reached"}} for _ in range(5)]
            response = http.post("/api/v1/sync", json={"writes": writes},
                                 headers={"X-CSRF-Token": csrf})
            statuses.append(response.status_code)
            statuses += [r["status"] for r in response.get_json()["results"]]
        return statuses

    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(drain, [c.id for c in world["customers"]]))
    flat = [s for r in results for s in r]
    assert set(flat) == {200, "created"}, flat
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == \
        WRITERS * BATCHES * 5


def test_a_dropped_postgresql_connection_is_replaced_by_the_pool(app, api_once, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    rm = api_once("rm_a")
    assert rm.get("/api/v1/customers").status_code == 200
    # kill every other connection of this database, as a failover or a restart would
    with db.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    db.session.remove()
    for _ in range(3):  # every pooled connection was dead; pre-ping replaces each
        assert rm.get("/api/v1/customers").status_code == 200


def test_a_pipeline_killed_mid_run_leaves_no_partial_step_and_the_rerun_completes(
        app, database_uri, tmp_path):
    """SIGKILL during `flask pipeline run`: the step in progress is rolled back (its
    transaction never committed), the lock dies with the process, the rerun finishes."""
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database_uri,
           "RM_ENV": "development", "SCHEDULER_IN_PROCESS": "0",
           "DEMO_TRUTH_PATH": str(tmp_path / "truth.csv")}
    flask = [str(Path(sys.executable).parent / "flask")]
    subprocess.run([*flask, "demo", "load", "--customers", "200", "--months", "12"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    run = subprocess.Popen([*flask, "pipeline", "run"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = run.stdout.readline()
        if "pipeline 20" in line and "steps" in line:
            time.sleep(1)  # inside the first step (training the models)
            break
    run.send_signal(signal.SIGKILL)
    run.wait(30)
    if "step scores:" not in run.stdout.read():  # killed inside the step: nothing of it kept
        db.session.expire_all()
        assert db.session.scalar(text("SELECT count(*) FROM scores")) == 0
    rerun = subprocess.run([*flask, "pipeline", "run"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert "done" in rerun.stderr + rerun.stdout
