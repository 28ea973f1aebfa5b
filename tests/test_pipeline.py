"""The nightly pipeline: ordered steps, idempotent dates, the run-wide lock, the scheduler."""

import logging
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from flask_migrate import check as alembic_check

from backend import pipeline, scheduler
from backend.extensions import db
from backend.locks import LockBusy, database_lock, lock_file_path
from backend.timeutil import bank_today
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2024, 5, 1)

# A process that takes a lock, says so, and holds it until its stdin closes.
HOLDER = """
import sys
import sqlalchemy as sa
from backend.locks import database_lock
engine = sa.create_engine(sys.argv[1])
with database_lock(sys.argv[2], engine=engine):
    print("locked", flush=True)
    sys.stdin.read()
"""


@contextmanager
def lock_held_by_another_process(name: str = "pipeline"):
    """Hold the named lock in a separate Python process for the block."""
    url = db.engine.url.render_as_string(hide_password=False)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, name], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = holder.stdout.readline()
        assert line.strip() == "locked", "the other process could not take the lock"
        yield holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.fixture(autouse=True)
def _loggers_enabled(monkeypatch):
    # migrations/env.py runs logging.fileConfig, which disables loggers that already exist
    for name in ("backend.pipeline", "backend.scheduler"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)


@pytest.fixture
def registry():
    """An empty step registry for the test; the real steps come back afterwards."""
    pipeline.load_steps()
    saved = dict(pipeline.STEPS)
    pipeline.STEPS.clear()
    yield pipeline.STEPS
    pipeline.STEPS.clear()
    pipeline.STEPS.update(saved)


score_rows = sa.Table(
    "pipeline_test_scores", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("customer_id", sa.Integer, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
)


@pytest.fixture
def scores_table(app):
    """A scratch table a test step writes per date (dropped afterwards)."""
    score_rows.create(db.engine)
    yield score_rows
    db.session.rollback()
    score_rows.drop(db.engine)


def write_scores(as_of: date) -> int:
    """An idempotent, set-based step: replace the date's rows with one per customer."""
    db.session.execute(sa.delete(score_rows).where(score_rows.c.as_of == as_of))
    customers = sa.table("customers", sa.column("id"), sa.column("employees"))
    per_customer = sa.select(sa.literal(as_of, sa.Date), customers.c.id,
                             sa.cast(sa.func.coalesce(customers.c.employees, 0), sa.Float) / 10)
    insert = (sa.insert(score_rows).from_select(["as_of", "customer_id", "value"], per_customer)
              # SQLAlchemy keeps an INSERT's rowcount only when asked to
              .execution_options(preserve_rowcount=True))
    return db.session.execute(insert).rowcount


def stored_scores(as_of: date) -> list[tuple]:
    query = (sa.select(score_rows.c.customer_id, score_rows.c.value)
             .where(score_rows.c.as_of == as_of).order_by(score_rows.c.customer_id))
    return [tuple(row) for row in db.session.execute(query)]


def some_customers(n: int = 3):
    rm = factories.user()
    for i in range(n):
        factories.customer(rm, employees=10 * (i + 1))
    db.session.commit()


# --------------------------------------------------------------------------- run


def test_steps_run_in_order_and_report_rows_and_seconds(registry, caplog):
    calls = []
    pipeline.step("scores", order=20)(lambda d: calls.append(("scores", d)) or 7)
    pipeline.step("features", order=10)(lambda d: calls.append(("features", d)) or 3)
    pipeline.step("offers", order=50)(lambda d: calls.append(("offers", d)) or 0)

    with caplog.at_level(logging.INFO, logger="backend.pipeline"):
        results = pipeline.run(DAY, progress=False)

    assert calls == [("features", DAY), ("scores", DAY), ("offers", DAY)]
    assert [(r.name, r.rows, r.ok) for r in results] == [
        ("features", 3, True), ("scores", 7, True), ("offers", 0, True)]
    assert all(r.seconds >= 0 for r in results)
    assert "step features: 3 rows in" in caplog.text
    assert "step scores: 7 rows in" in caplog.text


def test_only_runs_the_named_steps_in_registry_order(registry):
    calls = []
    for name, order in (("features", 10), ("scores", 20), ("offers", 50)):
        pipeline.step(name, order=order)(lambda d, name=name: calls.append(name) or 1)

    pipeline.run(DAY, only=["offers", "features"], progress=False)

    assert calls == ["features", "offers"]
    with pytest.raises(ValueError, match="unknown pipeline step"):
        pipeline.run(DAY, only=["nope"], progress=False)


def test_progress_bar_does_not_break_a_run_without_a_terminal(registry):
    pipeline.step("one", order=1)(lambda d: 1)
    assert [r.rows for r in pipeline.run(DAY, progress=True)] == [1]


def test_running_a_date_twice_leaves_the_same_rows(registry, scores_table):
    some_customers(3)
    pipeline.step("scores", order=20)(write_scores)

    first = pipeline.run(DAY, progress=False)
    rows_after_first = stored_scores(DAY)
    second = pipeline.run(DAY, progress=False)

    assert first[0].rows == second[0].rows == 3
    assert stored_scores(DAY) == rows_after_first
    assert [value for _, value in rows_after_first] == [1.0, 2.0, 3.0]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(scores_table)) == 3


def test_a_failing_step_stops_the_run_and_rolls_its_own_writes_back(registry, scores_table):
    some_customers(2)
    later = []
    pipeline.step("scores", order=20)(write_scores)

    @pipeline.step("segments", order=30)
    def broken(as_of):
        db.session.execute(sa.delete(score_rows))  # undone by the rollback
        raise RuntimeError("segment table missing")

    pipeline.step("offers", order=50)(lambda d: later.append(d) or 1)

    with pytest.raises(pipeline.StepFailed, match="'segments' failed for 2024-05-01") as failed:
        pipeline.run(DAY, progress=False)

    assert later == []
    assert [(r.name, r.ok) for r in failed.value.results] == [("scores", True),
                                                              ("segments", False)]
    assert "RuntimeError: segment table missing" in failed.value.results[-1].error
    assert len(stored_scores(DAY)) == 2  # the earlier step stays committed


# --------------------------------------------------------------------------- lock


def test_database_lock_is_exclusive_across_processes(app):
    with lock_held_by_another_process("pipeline"):
        with pytest.raises(LockBusy, match="'pipeline' is held by another process"), \
                database_lock("pipeline"):
            pass
        with database_lock("other-name"):  # locks are per name
            pass
    with database_lock("pipeline"):  # released when the other process lets go
        pass


def test_lock_is_released_when_the_holder_dies(app):
    with lock_held_by_another_process("pipeline") as holder:
        holder.kill()
        holder.wait(timeout=30)
        with database_lock("pipeline"):
            pass


def test_a_held_lock_refuses_a_second_holder_in_the_same_process(app):
    with database_lock("pipeline"), pytest.raises(LockBusy), database_lock("pipeline"):
        pass


def test_sqlite_lock_file_sits_next_to_the_database(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with database_lock("pipeline"):
        path = lock_file_path(db.engine.url, "pipeline")
        assert path.parent == Path(db.engine.url.database).resolve().parent
        assert path.read_text().strip() == str(os.getpid())


def test_run_raises_lock_busy_while_another_process_runs_the_pipeline(registry):
    calls = []
    pipeline.step("features", order=10)(lambda d: calls.append(d) or 1)

    with lock_held_by_another_process("pipeline"), pytest.raises(LockBusy):
        pipeline.run(DAY, progress=False)

    assert calls == []
    assert [r.rows for r in pipeline.run(DAY, progress=False)] == [1]


# --------------------------------------------------------------------------- CLI


def test_cli_prints_a_table_of_steps_rows_and_seconds(app, registry):
    pipeline.step("features", order=10)(lambda d: 12)
    pipeline.step("scores", order=20)(lambda d: 5)

    result = app.test_cli_runner().invoke(args=["pipeline", "run", "--date", "2024-05-01"])

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "pipeline 2024-05-01"
    assert lines[1].split() == ["step", "rows", "seconds"]
    assert lines[2].split()[:2] == ["features", "12"]
    assert lines[3].split()[:2] == ["scores", "5"]
    assert lines[4].split()[:2] == ["total", "17"]


def test_cli_defaults_to_today_in_the_bank_time_zone(app, registry):
    seen = []
    pipeline.step("features", order=10)(lambda d: seen.append(d) or 0)

    result = app.test_cli_runner().invoke(args=["pipeline", "run"])

    assert result.exit_code == 0, result.output
    assert seen == [bank_today()]


def test_cli_runs_only_the_steps_asked_for(app, registry):
    seen = []
    for name, order in (("features", 10), ("scores", 20)):
        pipeline.step(name, order=order)(lambda d, name=name: seen.append(name) or 0)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["pipeline", "run", "--date", "2024-05-01", "--step", "scores"])
    assert result.exit_code == 0, result.output
    assert seen == ["scores"]

    result = runner.invoke(args=["pipeline", "run", "--step", "typo"])
    assert result.exit_code == 2
    assert "unknown pipeline step(s): typo" in result.output


def test_cli_exits_non_zero_when_a_step_fails(app, registry):
    pipeline.step("features", order=10)(lambda d: 4)
    pipeline.step("scores", order=20)(lambda d: 1 / 0)

    result = app.test_cli_runner().invoke(args=["pipeline", "run", "--date", "2024-05-01"])

    assert result.exit_code == 1
    assert "FAILED" in result.output
    assert "step 'scores' failed for 2024-05-01: ZeroDivisionError" in result.output


def test_cli_exits_non_zero_while_another_process_holds_the_lock(app, registry):
    calls = []
    pipeline.step("features", order=10)(lambda d: calls.append(d) or 0)

    with lock_held_by_another_process("pipeline"):
        result = app.test_cli_runner().invoke(args=["pipeline", "run", "--date", "2024-05-01"])

    assert result.exit_code == pipeline.EXIT_LOCK_BUSY
    assert "held by another process" in result.output
    assert calls == []


def test_cli_lists_the_registered_steps(app, registry):
    pipeline.step("scores", order=20)(write_scores)
    pipeline.step("features", order=10)(lambda d: 0)

    result = app.test_cli_runner().invoke(args=["pipeline", "steps"])

    assert result.exit_code == 0
    names = [line.split()[1] for line in result.output.splitlines()]
    assert names == ["features", "scores"]


# --------------------------------------------------------------------------- scheduler


def memory_scheduler(app):
    return scheduler.build_scheduler(app, scheduler_class=BackgroundScheduler,
                                     jobstore=MemoryJobStore())


@pytest.mark.parametrize(("at", "now", "expected"), [
    ("01:30", datetime(2024, 5, 1, 0, 10), datetime(2024, 5, 1, 1, 30)),
    ("01:30", datetime(2024, 5, 1, 2, 0), datetime(2024, 5, 2, 1, 30)),
    ("23:05", datetime(2024, 5, 1, 2, 0), datetime(2024, 5, 1, 23, 5)),
])
def test_nightly_job_fires_daily_at_the_configured_bank_time(app, monkeypatch, at, now, expected):
    monkeypatch.setitem(app.config, "NIGHTLY_PIPELINE_AT", at)
    zone = ZoneInfo(app.config["BANK_TIMEZONE"])

    job = memory_scheduler(app).get_job(scheduler.NIGHTLY_PIPELINE_JOB_ID)

    assert job.func_ref == "backend.scheduler:nightly_pipeline_job"
    assert job.args == () and job.kwargs == {}
    assert isinstance(job.trigger, CronTrigger)
    assert str(job.trigger.timezone) == app.config["BANK_TIMEZONE"] == "Asia/Shanghai"
    fire = job.trigger.get_next_fire_time(None, now.replace(tzinfo=zone))
    assert fire == expected.replace(tzinfo=zone)
    assert job.coalesce is True
    assert job.max_instances == 1
    assert job.misfire_grace_time == app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"] > 0


def test_a_bad_nightly_time_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "NIGHTLY_PIPELINE_AT", "25:00")
    with pytest.raises(ValueError, match="expected HH:MM"):
        memory_scheduler(app)


def test_nightly_job_runs_the_pipeline_for_the_bank_day(app, registry):
    seen = []
    pipeline.step("features", order=10)(lambda d: seen.append(d) or 2)

    memory_scheduler(app).get_job(scheduler.NIGHTLY_PIPELINE_JOB_ID).func()

    assert seen == [bank_today()]


def test_a_second_schedulers_run_skips_while_the_lock_is_held(app, registry, caplog):
    seen = []
    pipeline.step("features", order=10)(lambda d: seen.append(d) or 2)
    job = memory_scheduler(app).get_job(scheduler.NIGHTLY_PIPELINE_JOB_ID)

    with lock_held_by_another_process("pipeline"), \
            caplog.at_level(logging.WARNING, logger="backend.scheduler"):
        job.func()

    assert seen == []
    assert "skipped: another run holds the lock" in caplog.text


def test_job_store_table_is_created_by_apscheduler_and_ignored_by_alembic(app):
    def start_paused():
        sched = scheduler.build_scheduler(
            app, scheduler_class=BackgroundScheduler,
            jobstore=SQLAlchemyJobStore(engine=db.engine, tablename=scheduler.JOB_TABLE))
        sched.start(paused=True)
        return sched

    first = start_paused()
    try:
        first.shutdown(wait=False)
        second = start_paused()  # replace_existing: the same id, not a second job
        jobs = second.get_jobs()
        second.shutdown(wait=False)
        by_id = {job.id: job for job in jobs}
        assert sorted(by_id) == sorted([scheduler.NIGHTLY_PIPELINE_JOB_ID,
                                        scheduler.PUSH_SEND_JOB_ID, scheduler.BRIEFINGS_JOB_ID])
        nightly = by_id[scheduler.NIGHTLY_PIPELINE_JOB_ID]
        assert nightly.func_ref == "backend.scheduler:nightly_pipeline_job"
        assert nightly.next_run_time.tzinfo is not None
        assert by_id[scheduler.PUSH_SEND_JOB_ID].func_ref == "backend.scheduler:push_send_job"

        alembic_check(directory=str(ROOT / "migrations"))  # exits 1 on any difference
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {scheduler.JOB_TABLE}"))


@pytest.mark.parametrize(("in_process", "testing", "debug", "run_main", "starts"), [
    (True, False, False, None, True),     # flask run without the reloader
    (True, False, True, "true", True),    # the reloader's serving child
    (True, False, True, None, False),     # the reloader's watcher parent
    (True, True, False, None, False),     # never under TESTING
    (False, False, False, None, False),   # production and tests: a separate process
])
def test_in_process_scheduler_only_in_the_serving_development_process(
        app, monkeypatch, in_process, testing, debug, run_main, starts):
    monkeypatch.setitem(app.config, "SCHEDULER_IN_PROCESS", in_process)
    monkeypatch.setitem(app.config, "TESTING", testing)
    monkeypatch.setitem(app.config, "DEBUG", debug)
    if run_main is None:
        monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    else:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", run_main)

    assert scheduler.should_run_in_process(app) is starts


def test_config_runs_the_scheduler_in_process_in_development_only():
    from config import DevConfig, ProdConfig, TestConfig

    assert DevConfig.SCHEDULER_IN_PROCESS is True
    assert TestConfig.SCHEDULER_IN_PROCESS is False
    assert ProdConfig.SCHEDULER_IN_PROCESS is False
