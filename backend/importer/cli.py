"""`flask import customers|accounts|transactions|relationships FILE.csv`."""

import sys

import click
from flask.cli import AppGroup

from backend.errors import Invalid
from backend.importer import service as importer_service

import_cli = AppGroup(
    "import",
    help="Import customers, accounts, transactions or relationships from core-banking CSV "
         "files (columns and rules: docs/import.md). Import customers before accounts, "
         "accounts before transactions.")


def _add_command(kind: str) -> None:
    @import_cli.command(kind, help=f"Import {kind} from FILE (CSV, UTF-8). Rejected rows go "
                                   "to FILE.rejects.csv beside it.")
    @click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False))
    @click.option("--batch-size", default=2000, show_default=True,
                  type=click.IntRange(1, importer_service.MAX_BATCH),
                  help="Rows validated and committed together.")
    def command(path, batch_size):
        try:
            summary = importer_service.import_file(kind, path, batch_size=batch_size,
                                                   progress=sys.stderr.isatty())
        except Invalid as exc:
            raise click.ClickException(f"import refused, nothing written: {exc.message}") \
                from exc
        except importer_service.ImportStopped as exc:
            # what got in before the stop matters as much as why it stopped
            _echo_summary(kind, exc.summary)
            raise click.ClickException(str(exc)) from exc
        _echo_summary(kind, summary)


def _echo_summary(kind: str, summary: importer_service.ImportSummary) -> None:
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{kind}: read {summary.read}, created {summary.created}, "
               f"updated {summary.updated}, unchanged {summary.unchanged}, "
               f"rejected {summary.rejected} in {summary.seconds:.1f} s "
               f"({summary.rows_per_second:,.0f} rows/s)")
    if summary.rejects_path:
        click.echo(f"rejected rows: {summary.rejects_path}")


for _kind in importer_service.KINDS:
    _add_command(_kind)
