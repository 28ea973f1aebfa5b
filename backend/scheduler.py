"""The scheduler (DESIGN §3): APScheduler with its SQLAlchemy job store.

Production runs it as its own process, `flask scheduler` (a BlockingScheduler). In
development, with SCHEDULER_IN_PROCESS on (DevConfig), the app starts one
BackgroundScheduler in the serving process at its first request, so CLI commands such as
`flask db upgrade` never start one, nor does the reloader's watcher process.

Jobs are stored by reference ("backend.scheduler:nightly_pipeline_job") with no
arguments, so the job store can keep them in the `apscheduler_jobs` table, which
APScheduler creates itself (migrations/env.py keeps Alembic from comparing it). A job is a
thin wrapper: it finds an app (the one that built the scheduler in this process, or a new
one from the environment), pushes an app context and calls a service function.

Only one run at a time: the pipeline holds the database lock "pipeline", so when two
scheduler processes (or the scheduler and a manual `flask pipeline run`) fire together,
the second logs and skips. Missed runs coalesce into one and still run within
SCHEDULER_MISFIRE_GRACE_SECONDS of their time.
"""

import atexit
import logging
import os
import signal
import threading
from datetime import date
from zoneinfo import ZoneInfo

import click
from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import BaseJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app, has_app_context

from backend import pipeline
from backend.extensions import db
from backend.locks import LockBusy

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"  # created by APScheduler, not by our migrations
NIGHTLY_PIPELINE_JOB_ID = "nightly-pipeline"
PUSH_SEND_JOB_ID = "push-send"
BRIEFINGS_JOB_ID = "morning-briefings"

_app: Flask | None = None  # the app that built the scheduler in this process
_in_process: BaseScheduler | None = None
_in_process_guard = threading.Lock()


# --------------------------------------------------------------------------- jobs


def nightly_pipeline_job() -> None:
    """Run the nightly pipeline for today in the bank's time zone (scheduler entry point)."""
    with _job_app().app_context():
        run_nightly_pipeline()


def run_nightly_pipeline(as_of: date | None = None) -> list[pipeline.StepResult] | None:
    """Run the pipeline for a date (default today); return None when another run holds the lock."""
    from backend.timeutil import bank_today

    as_of = as_of or bank_today()
    try:
        return pipeline.run(as_of, progress=False)
    except LockBusy:
        log.warning("nightly pipeline %s skipped: another run holds the lock", as_of.isoformat())
        return None


def push_send_job() -> None:
    """Send the alerts that are due (every PUSH_SEND_INTERVAL_SECONDS)."""
    from backend.push import sender

    with _job_app().app_context():
        sender.run_once()


def briefings_job() -> None:
    """Queue the morning briefings of the RMs whose 08:00 has come (every 15 minutes)."""
    from backend.calendar import briefing
    from backend.models_base import utcnow

    with _job_app().app_context():
        briefing.queue_briefings(utcnow())


def _job_app() -> Flask:
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:  # every scheduler is made by build_scheduler(), which sets it
        raise RuntimeError("A scheduled job ran in a process that built no scheduler")
    return _app


# --------------------------------------------------------------------------- building


def parse_time_of_day(value: str) -> tuple[int, int]:
    """Parse "HH:MM" into (hour, minute)."""
    try:
        hour, minute = (int(part) for part in value.split(":"))
    except ValueError:
        raise ValueError(f"time of day {value!r}: expected HH:MM") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"time of day {value!r}: expected HH:MM")
    return hour, minute


def build_scheduler(app: Flask, *, scheduler_class: type[BaseScheduler] = BlockingScheduler,
                    jobstore: BaseJobStore | None = None) -> BaseScheduler:
    """Build a scheduler with every job registered; the caller starts it.

    The default job store is the SQLAlchemy store on the app's database (needs an app
    context); tests pass a MemoryJobStore.
    """
    global _app
    _app = app
    if jobstore is None:
        jobstore = SQLAlchemyJobStore(engine=db.engine, tablename=JOB_TABLE)
    zone = ZoneInfo(app.config["BANK_TIMEZONE"])
    scheduler = scheduler_class(
        jobstores={"default": jobstore},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"]},
        timezone=zone,
    )
    register_jobs(scheduler, app)
    return scheduler


def register_jobs(scheduler: BaseScheduler, app: Flask) -> None:
    """Add (or replace) every job under its fixed id."""
    zone = ZoneInfo(app.config["BANK_TIMEZONE"])
    hour, minute = parse_time_of_day(app.config["NIGHTLY_PIPELINE_AT"])
    scheduler.add_job(
        "backend.scheduler:nightly_pipeline_job",
        trigger=CronTrigger(hour=hour, minute=minute, timezone=zone),
        id=NIGHTLY_PIPELINE_JOB_ID,
        name="nightly pipeline",
        replace_existing=True,
        coalesce=True,  # a scheduler down for days runs the pipeline once, not once per night
        max_instances=1,
        misfire_grace_time=app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"],
    )
    # Alerts: short, frequent, and a missed run is simply the next one's work.
    scheduler.add_job("backend.scheduler:push_send_job",
                      trigger=IntervalTrigger(seconds=app.config["PUSH_SEND_INTERVAL_SECONDS"]),
                      id=PUSH_SEND_JOB_ID, name="push send", replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=60)
    scheduler.add_job("backend.scheduler:briefings_job",
                      trigger=CronTrigger(minute="*/15", timezone=zone),
                      id=BRIEFINGS_JOB_ID, name="morning briefings", replace_existing=True,
                      coalesce=True, max_instances=1, misfire_grace_time=600)


# --------------------------------------------------------------------------- in-process (dev)


def should_run_in_process(app: Flask) -> bool:
    """Tell whether this process may host the development scheduler."""
    if not app.config.get("SCHEDULER_IN_PROCESS") or app.config.get("TESTING"):
        return False
    # under the reloader only the child (WERKZEUG_RUN_MAIN=true) serves; the parent watches files
    return not (app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true")


def init_app(app: Flask) -> None:
    """Start the development scheduler in this process at the first request, once."""
    if not should_run_in_process(app):
        return

    @app.before_request
    def _start_scheduler_once():
        if _in_process is None:
            start_in_process(app)


def start_in_process(app: Flask) -> BaseScheduler:
    """Start one BackgroundScheduler for this process (a second call returns the first)."""
    global _in_process
    with _in_process_guard:
        if _in_process is None:
            with app.app_context():
                scheduler = build_scheduler(app, scheduler_class=BackgroundScheduler)
            scheduler.start()
            atexit.register(lambda: scheduler.shutdown(wait=False))
            _in_process = scheduler
            log.info("in-process scheduler started: %s", _describe(scheduler))
        return _in_process


def _describe(scheduler: BaseScheduler) -> str:
    return "; ".join(f"{job.id} next at {getattr(job, 'next_run_time', None)}"
                     for job in scheduler.get_jobs()) or "no jobs"


# --------------------------------------------------------------------------- CLI


@click.command("scheduler")
def scheduler_command():
    """Run the scheduler in the foreground until stopped (Ctrl-C or SIGTERM)."""
    scheduler = build_scheduler(current_app._get_current_object())
    scheduler.add_listener(lambda _event: log.info("scheduler started: %s", _describe(scheduler)),
                           mask=EVENT_SCHEDULER_STARTED)
    # SIGTERM (systemd, docker stop) stops taking new runs; a running job finishes before exit
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(f"scheduler: nightly pipeline at {current_app.config['NIGHTLY_PIPELINE_AT']} "
               f"{current_app.config['BANK_TIMEZONE']}; Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopping")
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)

