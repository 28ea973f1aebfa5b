"""The nightly pipeline (DESIGN §5): steps registered by their domains, run in order per date.

A step is a function `(as_of: date) -> int` (rows written) registered with @step. Each
step must be idempotent for its date: running a date twice leaves the same rows (delete
what the step wrote for that date, then insert; or upsert).

Domains register their steps in `backend/<domain>/steps.py` (any other module works as
long as something imports it); `load_steps()` imports every such `steps` module.

`run()` holds the database lock "pipeline" for the whole run, so two runs (a cron job and
the scheduler, two scheduler processes) never overlap. Each step runs in its own
transaction: it is committed when the step returns and rolled back when it raises, and
the run stops there. Earlier steps stay committed; being idempotent, they are simply
rerun with the next run of that date.
"""

import importlib
import importlib.util
import logging
import pkgutil
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from backend.extensions import db
from backend.locks import LockBusy, database_lock

log = logging.getLogger(__name__)

LOCK_NAME = "pipeline"
EXIT_LOCK_BUSY = 75  # EX_TEMPFAIL: another run is in progress; retrying later will work


@dataclass(frozen=True)
class Step:
    name: str
    order: int  # DESIGN §5: 10 features, 20 scores, 30 segments, 40 moments, 50 offers, ...
    run: Callable[[date], int]


@dataclass(frozen=True)
class StepResult:
    name: str
    rows: int
    seconds: float
    ok: bool = True
    error: str | None = None


class StepFailed(Exception):
    """A step raised; the run stopped there. `results` ends with the failed step."""

    def __init__(self, step_name: str, as_of: date, results: list[StepResult]):
        cause = results[-1].error
        super().__init__(f"pipeline step {step_name!r} failed for {as_of.isoformat()}: {cause}")
        self.step_name = step_name
        self.as_of = as_of
        self.results = results


STEPS: dict[str, Step] = {}


def step(name: str, order: int):
    """Register a pipeline step; steps run by ascending order."""

    def register(fn: Callable[[date], int]):
        STEPS[name] = Step(name=name, order=order, run=fn)
        return fn

    return register


def ordered_steps() -> list[Step]:
    return sorted(STEPS.values(), key=lambda s: s.order)


def load_steps() -> list[Step]:
    """Import every `backend.<domain>.steps` module so its steps register; return them in order."""
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = f"backend.{info.name}.steps"
        # find_spec first: an ImportError raised inside an existing steps module must surface
        if info.ispkg and importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
    return ordered_steps()


def run(as_of: date, *, only: list[str] | None = None, progress=True) -> list[StepResult]:
    """Run the registered steps for a date in order under the pipeline lock.

    Raises LockBusy when another run holds the lock, StepFailed at the first failing step
    and ValueError for an unknown step name in `only`.
    """
    steps = _select(load_steps(), only)
    with database_lock(LOCK_NAME):
        log.info("pipeline %s: %d steps (%s)", as_of.isoformat(), len(steps),
                 ", ".join(s.name for s in steps))
        results: list[StepResult] = []
        # tqdm shows itself only on a terminal (disable=None) and keeps log lines above the bar
        redirect = logging_redirect_tqdm() if progress else nullcontext()
        with redirect, tqdm(steps, desc="pipeline", unit="step",
                            disable=None if progress else True) as bar:
            for current in bar:
                bar.set_postfix_str(current.name)
                result = _run_step(current, as_of)
                results.append(result)
                if not result.ok:
                    raise StepFailed(current.name, as_of, results)
        log.info("pipeline %s: done, %d rows in %.2fs", as_of.isoformat(),
                 sum(r.rows for r in results), sum(r.seconds for r in results))
        return results


def _select(steps: list[Step], only: list[str] | None) -> list[Step]:
    if not only:
        return steps
    known = {s.name for s in steps}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise ValueError(f"unknown pipeline step(s): {', '.join(unknown)}; "
                         f"registered: {', '.join(s.name for s in steps) or 'none'}")
    return [s for s in steps if s.name in only]


def _run_step(current: Step, as_of: date) -> StepResult:
    started = time.perf_counter()
    try:
        rows = int(current.run(as_of) or 0)
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        seconds = time.perf_counter() - started
        log.exception("step %s failed after %.2fs", current.name, seconds)
        return StepResult(current.name, 0, seconds, ok=False,
                          error=f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - started
    log.info("step %s: %d rows in %.2fs", current.name, rows, seconds)
    return StepResult(current.name, rows, seconds)


# --------------------------------------------------------------------------- CLI

pipeline_cli = AppGroup("pipeline", help="Run the nightly pipeline.")


@pipeline_cli.command("run")
@click.option("--date", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Business date (YYYY-MM-DD); default today in BANK_TIMEZONE.")
@click.option("--step", "only", multiple=True, metavar="NAME",
              help="Run only this step (repeatable); see `flask pipeline steps`.")
def run_command(as_of, only):
    """Run the steps for a date; print rows and seconds per step."""
    from backend.timeutil import bank_today

    day = as_of.date() if as_of else bank_today()
    try:
        results = run(day, only=list(only) or None)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    except LockBusy as exc:
        click.echo(f"pipeline not run: {exc}", err=True)
        raise click.exceptions.Exit(EXIT_LOCK_BUSY) from exc
    except StepFailed as exc:
        _print_table(day, exc.results)
        raise click.ClickException(str(exc)) from exc
    _print_table(day, results)


@pipeline_cli.command("steps")
def steps_command():
    """List the registered steps in the order they run."""
    steps = load_steps()
    if not steps:
        click.echo("no steps registered")
    for s in steps:
        click.echo(f"{s.order:>4}  {s.name:<20} {s.run.__module__}.{s.run.__qualname__}")


def _print_table(as_of: date, results: list[StepResult]) -> None:
    width = max([len("total"), *(len(r.name) for r in results)])
    click.echo(f"pipeline {as_of.isoformat()}")
    click.echo(f"{'step':<{width}}  {'rows':>10}  {'seconds':>8}")
    for r in results:
        status = "" if r.ok else "  FAILED"
        click.echo(f"{r.name:<{width}}  {r.rows:>10}  {r.seconds:>8.2f}{status}")
    click.echo(f"{'total':<{width}}  {sum(r.rows for r in results):>10}  "
               f"{sum(r.seconds for r in results):>8.2f}")
