"""`flask models`: train, evaluate, list, show and backtest scoring models.

pandas and scikit-learn are imported inside the commands that need them: at the top
they would cost every app start (each API worker, each CLI call) about a second.
"""

import json
from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from backend.customers.portfolio import Viewer
from backend.extensions import db
from backend.scoring import experiments
from backend.scoring.models import ModelVersion
from backend.timeutil import bank_today

EARLIEST = date(1970, 1, 1)


def _as_of(ctx, param, value):
    """--as-of as a date the books can hold: from 1970 up to today."""
    if value is None:
        return None
    day = value.date()
    if not EARLIEST <= day <= bank_today():
        raise click.BadParameter(f"must be between {EARLIEST} and today ({bank_today()}).")
    return day


def _known(names) -> list[str]:
    from backend.scoring import service

    models = service.all_models()
    known = {m.name for m in models} | {m.trained.name for m in models if hasattr(m, "trained")}
    unknown = sorted(set(names) - known)
    if unknown:
        raise click.BadParameter(f"no model {', '.join(unknown)}; the models are "
                                 f"{', '.join(sorted(known))}.", param_hint="--model")
    return list(names)


models_cli = AppGroup("models", help="Scoring models: train, evaluate, list, show, backtest.")


@models_cli.command("train")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, callback=_as_of,
              help="Train on history up to this date (default: today).")
@click.option("--model", "names", multiple=True, help="Only this model (repeatable).")
@click.option("--if-untrained", is_flag=True, help="Do nothing when any version exists.")
def train_command(as_of, names, if_untrained):
    """Train the trained models on the bank's history and store new versions."""
    if if_untrained and db.session.scalar(select(ModelVersion.id).limit(1)):
        return
    from backend.scoring import service

    results = service.train_all(as_of=as_of, names=_known(names))
    for name, metrics in results.items():
        v = metrics.get("validation") or {}
        click.echo(f"{name:22} auc {_fmt(metrics.get('auc'))}  n {v.get('n', 0)}  "
                   f"positives {v.get('positives', 0)}")


@models_cli.command("evaluate")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, callback=_as_of,
              help="Evaluate as the models stood on this date (default: today).")
@click.option("--model", "names", multiple=True, help="Only this model (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per model instead.")
def evaluate_command(as_of, names, as_json):
    """Measure each trained model on a later window than it learned from (nothing stored)."""
    from backend.scoring import service

    results = service.evaluate(as_of=as_of, names=_known(names))
    if not as_json:
        click.echo(f"{'model':<22} {'date':<10} {'n':>6} {'pos':>5} {'AUC':>6} "
                   f"{'capture@20%':>11} {'pred/obs':>8} {'Brier skill':>11}  family")
    for r in results:
        m = r["metrics"]
        if as_json:
            click.echo(json.dumps({"model": r["model"], "as_of": r["as_of"].isoformat(),
                                   "family": r["family"], "families": r["families"],
                                   **{k: m[k] for k in ("n", "positives", "auc", "capture_20",
                                                        "calibration_ratio", "brier_skill",
                                                        "calibration")}}))
            continue
        click.echo(f"{r['model']:<22} {r['as_of']:%Y-%m-%d} {m['n']:>6} {m['positives']:>5} "
                   f"{_fmt(m['auc']):>6} {_fmt(m['capture_20']):>11} "
                   f"{_fmt(m['calibration_ratio']):>8} {_fmt(m['brier_skill']):>11}  "
                   f"{r['family']}")


@models_cli.command("list")
def list_command():
    """List the registered models and their latest stored version."""
    from backend.scoring.service import all_models

    latest = {}
    for row in db.session.scalars(select(ModelVersion).order_by(ModelVersion.trained_at)):
        latest[row.name] = row
    for model in all_models():
        row = latest.get(model.name) or latest.get(f"{model.name}.trained")
        trained = f"{row.version} auc {_fmt((row.metrics or {}).get('auc'))}" if row else "-"
        click.echo(f"{model.name:22} {model.kind:8} {trained}")


@models_cli.command("show")
@click.argument("name")
def show_command(name):
    """Show a model's parameters and its latest metrics."""
    from backend.scoring.service import get

    model = get(name)
    if model is None:
        raise click.ClickException(f"No model named {name}.")
    click.echo(json.dumps(model.describe(), ensure_ascii=False, default=str, indent=2))
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.name.in_(
        (name, f"{name}.trained"))).order_by(ModelVersion.trained_at.desc()).limit(1))
    if row is not None:
        click.echo(f"version {row.version} trained {row.trained_at:%Y-%m-%d %H:%M}")
        click.echo(json.dumps(row.metrics, ensure_ascii=False, indent=2))


@models_cli.command("backtest")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--target", required=True, help="The 0/1 column to predict.")
@click.option("--id", "id_column", default=None, help="An identifier column (not a feature).")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--repeats", default=2, show_default=True, type=click.IntRange(1, 20))
@click.option("--seed", default=7, show_default=True, type=int)
def backtest_command(path, target, id_column, folds, repeats, seed):
    """Cross-validate the model families on a CSV extract and print their quality."""
    import pandas as pd

    from backend.scoring.evaluation import backtest

    frame = pd.read_csv(path)
    for column in (target, id_column):
        if column and column not in frame.columns:
            raise click.ClickException(f"No column {column} in {path}.")
    values = set(frame[target].dropna().unique())
    if not values <= {0, 1} or len(values) < 2:
        raise click.ClickException(f"{target} must hold both 0 and 1.")
    positives = int((frame[target] == 1).sum())
    if min(positives, int((frame[target] == 0).sum())) < folds:
        raise click.ClickException(f"Too few rows of one class for {folds} folds.")
    m = backtest(frame, target, id_column, folds=folds, repeats=repeats, seed=seed)
    click.echo(f"rows {m['n']}, positives {m['positives']} (base rate {m['base_rate']:.2%}), "
               f"features {m['numeric']} numeric, {m['categorical']} categorical")
    click.echo(f"{m['repeats']} x {m['folds']}-fold stratified cross-validation; "
               "imputation, scaling and encoding fitted inside each fold")
    click.echo(f"{'family':<19} {'AUC':<15} {'capture@20%':<15} {'predicted/observed':<19} "
               "Brier")
    for name, f in m["families"].items():
        click.echo(f"{name:<19} " + " ".join(
            f"{_pm(f[key]):<{width}}" for key, width in (
                ("auc", 15), ("capture_20", 15), ("calibration_ratio", 19), ("brier", 0))))
    click.echo(f"chosen: {m['chosen']} (higher mean AUC)")
    click.echo(f"calibration of {m['chosen']}, first repeat (bin, n, predicted, observed)")
    for row in m["families"][m["chosen"]]["calibration"]:
        click.echo(f"  {row['bin']:>3} {row['n']:>6} {row['predicted']:>9.4f} "
                   f"{row['observed']:>9.4f}")


def _pm(spread: dict) -> str:
    return "-" if spread["mean"] is None else f"{spread['mean']:.3f} ± {spread['sd']:.3f}"


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


experiments_cli = AppGroup("experiments", help="Champion/challenger experiments.")
# The command line acts as the analysts' tool, with an administrator's rights.
OPERATOR = Viewer(id=0, role="admin", team_id=None)


@experiments_cli.command("list")
def experiments_list_command():
    """List experiments with their state and cells."""
    for e in experiments.list_all(user=OPERATOR):
        cells = ", ".join(f"{c['name']}={c['share']:.0%}@{c.get('version')}" for c in e.cells)
        click.echo(f"{e.id:>4} {e.name:<30} {e.model:<20} {e.state:<8} {cells}")


@experiments_cli.command("start")
@click.argument("experiment_id", type=int)
def experiments_start_command(experiment_id):
    """Assign customers to the cells and start an experiment."""
    result = experiments.start(user=OPERATOR, experiment_id=experiment_id, today=bank_today())
    click.echo(f"assigned {result['assigned']} customers")
