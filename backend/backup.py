"""`flask backup FILE` and `flask restore FILE`: the database to a file and back.

SQLite: SQLite's online backup API copies a consistent snapshot while the app keeps
serving (WAL readers and writers are not blocked), and the copy is checked with
`PRAGMA integrity_check` before the command says it is done. Restoring copies the file
back over the live database page by page, in one step readers never see half of.
PostgreSQL: use the server's own tools, pg_dump / pg_restore (docs/deploy.md), which
this command prints rather than wraps.
"""

import sqlite3
from pathlib import Path

import click
from flask.cli import with_appcontext

from backend.extensions import db

PG_HINT = ("PostgreSQL: pg_dump --format=custom --file=FILE \"$DATABASE_URL\"; restore with "
           "pg_restore --clean --if-exists --dbname=\"$DATABASE_URL\" FILE (docs/deploy.md)")


def _sqlite_path() -> str:
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_HINT)
    if not url.database or url.database == ":memory:":
        raise click.ClickException("An in-memory database has nothing to back up")
    return url.database


def _check(path: str) -> None:
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                              "AND name = 'alembic_version'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        result, tables = str(exc), 0
    finally:
        conn.close()
    if result != "ok" or not tables:
        raise click.ClickException(f"{path} is not a sound RM Companion database ({result})")


def copy_database(source: str, target: str) -> None:
    """Copy one SQLite database into another with the online backup API."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Write a consistent copy of the database to FILE (SQLite), checked after writing."""
    live = _sqlite_path()
    if Path(file).exists():
        raise click.ClickException(f"{file} exists: choose a new file")
    copy_database(live, file)
    _check(file)
    click.echo(f"backed up {live} to {file} ({Path(file).stat().st_size:,} bytes, checked)")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: replace the live database.")
@with_appcontext
def restore_command(file, yes):
    """Replace the live database with the backup in FILE (stop the scheduler first)."""
    live = _sqlite_path()
    _check(file)
    if not yes:
        click.confirm(f"Replace {live} with {file}? Everything written since is lost",
                      abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps reading the old pages
    copy_database(file, live)
    click.echo(f"restored {live} from {file}")
